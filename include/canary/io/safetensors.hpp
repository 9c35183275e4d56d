#pragma once
// The safetensors file format, byte level: the interchange format with PyTorch (safetensors.torch
// save_file / load_file) and canary's own checkpoint format.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON (the header), then the data
// buffer. The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the start of the data buffer) and may hold "__metadata__": {string: string}.
// Tensors are row-major and little-endian. See docs/safetensors.md.
//
// This header lives outside the core include path on purpose: it pulls in nlohmann-json, and
// only translation units that read or write files should pay for that (docs/design.md,
// "Dependencies and the include path").
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"
#include "canary/io/text_file.hpp"

namespace canary::io {

// Tensor bytes are copied to and from the file verbatim; a big-endian host would need a byte swap
// on every element, which nobody has asked for yet.
static_assert(std::endian::native == std::endian::little,
              "canary::io::safetensors assumes a little-endian host");

/// The element types canary understands. The file spells them F16, BF16, F32, F64, I8, I16, I32,
/// I64, U8 and BOOL. Other safetensors dtypes (U16, U32, U64, F8_*) are rejected on load.
enum class dtype { f16, bf16, f32, f64, i8, i16, i32, i64, u8, boolean };

/// ensures: returns the spelling used in safetensors headers ("F32", "BOOL", ...).
constexpr std::string_view to_string(dtype type) noexcept {
    switch (type) {
        case dtype::f16: return "F16";
        case dtype::bf16: return "BF16";
        case dtype::f32: return "F32";
        case dtype::f64: return "F64";
        case dtype::i8: return "I8";
        case dtype::i16: return "I16";
        case dtype::i32: return "I32";
        case dtype::i64: return "I64";
        case dtype::u8: return "U8";
        case dtype::boolean: return "BOOL";
    }
    return "?";
}

/// ensures: returns the size in bytes of one element of this type.
constexpr std::size_t size_of(dtype type) noexcept {
    switch (type) {
        case dtype::i8:
        case dtype::u8:
        case dtype::boolean: return 1;
        case dtype::f16:
        case dtype::bf16:
        case dtype::i16: return 2;
        case dtype::f32:
        case dtype::i32: return 4;
        case dtype::f64:
        case dtype::i64: return 8;
    }
    return 0;
}

/// ensures: returns the dtype spelled `text` in a safetensors header, or nullopt when canary does
///          not know it (the match is case-sensitive, as in the reference implementation).
constexpr std::optional<dtype> dtype_from_string(std::string_view text) noexcept {
    constexpr dtype all[] = {dtype::f16, dtype::bf16, dtype::f32, dtype::f64,     dtype::i8,
                             dtype::i16, dtype::i32,  dtype::i64, dtype::u8, dtype::boolean};
    for (dtype type : all)
        if (to_string(type) == text) return type;
    return std::nullopt;
}

/// The C++ element types that put() stores and read() returns.
template <class T>
concept tensor_element =
    std::same_as<T, float> || std::same_as<T, double> || std::same_as<T, std::int8_t> ||
    std::same_as<T, std::int16_t> || std::same_as<T, std::int32_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, std::uint8_t>;

/// The file dtype that stores T without conversion.
template <tensor_element T>
inline constexpr dtype dtype_of = std::same_as<T, float>          ? dtype::f32
                                  : std::same_as<T, double>       ? dtype::f64
                                  : std::same_as<T, std::int8_t>  ? dtype::i8
                                  : std::same_as<T, std::int16_t> ? dtype::i16
                                  : std::same_as<T, std::int32_t> ? dtype::i32
                                  : std::same_as<T, std::int64_t> ? dtype::i64
                                                                  : dtype::u8;

/// One tensor as it sits in the file: its dtype, its shape and its raw little-endian bytes.
struct tensor_entry {
    dtype type = dtype::f32;
    std::vector<std::int64_t> shape;  // empty for a 0-d (scalar) tensor
    std::vector<std::byte> bytes;     // numel() * size_of(type) bytes, row-major

    /// requires: every extent is >= 0 and their product fits in int64 (true for every entry a
    ///           safetensors object holds: load, put and insert check it).
    /// ensures: returns the product of the extents; 1 for a 0-d tensor, 0 when any extent is 0.
    std::int64_t numel() const noexcept {
        std::int64_t n = 1;
        for (std::int64_t extent : shape) n *= extent;
        return n;
    }

    /// Same dtype, shape and bytes.
    bool operator==(const tensor_entry&) const = default;
};

namespace detail {

/// "[2, 3]" for messages.
inline std::string shape_string(std::span<const std::int64_t> shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i != 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

/// The element count of `shape`, or nullopt when an extent is negative or the count (or its byte
/// size with `element_size`) overflows: such a header or call is rejected, never wrapped around.
inline std::optional<std::uint64_t> checked_byte_size(std::span<const std::int64_t> shape,
                                                      std::size_t element_size) {
    constexpr auto max_numel = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t numel = 1;
    for (std::int64_t extent : shape) {
        if (extent < 0) return std::nullopt;
        const auto e = static_cast<std::uint64_t>(extent);
        if (e != 0 && numel > max_numel / e) return std::nullopt;
        numel *= e;
    }
    if (numel > std::numeric_limits<std::uint64_t>::max() / element_size) return std::nullopt;
    return numel * element_size;
}

template <class T>
constexpr std::string_view element_name() noexcept {
    if constexpr (std::same_as<T, float>) return "float";
    else if constexpr (std::same_as<T, double>) return "double";
    else if constexpr (std::same_as<T, std::int8_t>) return "int8";
    else if constexpr (std::same_as<T, std::int16_t>) return "int16";
    else if constexpr (std::same_as<T, std::int32_t>) return "int32";
    else if constexpr (std::same_as<T, std::int64_t>) return "int64";
    else return "uint8";
}

/// IEEE 754 binary16 -> binary32, exact (every half is a float), including subnormals, inf, NaN.
inline float half_to_float(std::uint16_t half) noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
    const std::uint32_t exponent = (half >> 10) & 0x1Fu;
    std::uint32_t mantissa = half & 0x3FFu;
    std::uint32_t bits = 0;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);  // inf or NaN, payload kept
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
    } else if (mantissa != 0) {
        // Subnormal half: shift the mantissa up until its leading one is the implicit bit.
        std::uint32_t float_exponent = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            --float_exponent;
        }
        bits = sign | (float_exponent << 23) | ((mantissa & 0x3FFu) << 13);
    } else {
        bits = sign;  // signed zero
    }
    return std::bit_cast<float>(bits);
}

/// bfloat16 is the top half of a float32, so widening is a shift.
inline float bfloat16_to_float(std::uint16_t bf16) noexcept {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bf16) << 16);
}

template <class Source>
Source load_element(const std::byte* at) noexcept {
    Source value;
    std::memcpy(&value, at, sizeof(Source));
    return value;
}

/// The reference writer orders tensors by dtype, widest first (its Rust enum order, descending),
/// then by name, so that every tensor starts at a multiple of its element size when the header
/// length is a multiple of 8. We use the same rank so our files are laid out like PyTorch's.
constexpr int reference_layout_rank(dtype type) noexcept {
    switch (type) {
        case dtype::boolean: return 0;
        case dtype::u8: return 1;
        case dtype::i8: return 2;
        case dtype::i16: return 5;
        case dtype::f16: return 7;
        case dtype::bf16: return 8;
        case dtype::i32: return 9;
        case dtype::f32: return 11;
        case dtype::f64: return 12;
        case dtype::i64: return 13;
    }
    return -1;
}

// The reference implementation refuses headers above this size; so do we, so that a corrupt
// length cannot make us allocate gigabytes before noticing.
inline constexpr std::uint64_t max_header_bytes = 100'000'000;

inline constexpr std::string_view metadata_key = "__metadata__";

/// A name read from a file, fit for tensor_error (which adds its own quotes): at most 80
/// characters, control characters shown as '?'.
inline std::string short_name(std::string_view name) {
    const std::string quoted = quote_for_message(name);
    return quoted.substr(1, quoted.size() - 2);
}

}  // namespace detail

/// An in-memory safetensors file: named tensors (each a dtype, a shape and bytes) and a string
/// metadata map. Names are unique and kept sorted. Not thread-safe for concurrent mutation.
class safetensors {
public:
    safetensors() = default;

    /// ensures: returns the file's tensors and metadata; source() is `file`.
    /// throws: io_error naming `file` when it cannot be read or is malformed in any way (too short,
    ///         header length past the end, bad JSON, duplicate keys, unknown dtype, bad shape,
    ///         offsets out of range, overlapping, leaving gaps or not matching shape * dtype size);
    ///         the message names the tensor at fault when there is one.
    static safetensors load(const std::filesystem::path& file) {
        const std::string name = file.string();
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) throw io_error(name, "no such file");
        if (!std::filesystem::is_regular_file(file, ec)) throw io_error(name, "not a regular file");
        const std::uintmax_t size = std::filesystem::file_size(file, ec);
        if (ec) throw io_error(name, "cannot read its size: " + ec.message());

        std::ifstream in(file, std::ios::binary);
        if (!in) throw io_error(name, "cannot open for reading: " + std::string(std::strerror(errno)));
        std::vector<std::byte> content(static_cast<std::size_t>(size));
        in.read(reinterpret_cast<char*>(content.data()), static_cast<std::streamsize>(size));
        if (static_cast<std::uintmax_t>(in.gcount()) != size)
            throw io_error(name, "read " + std::to_string(in.gcount()) + " of " + std::to_string(size) +
                                     " bytes");
        return parse(content, name);
    }

    /// ensures: parses a whole safetensors file held in memory; `source` names it in messages and
    ///          becomes source().
    /// throws: io_error(source, ...) exactly as load() does.
    static safetensors parse(std::span<const std::byte> file_bytes, std::string source) {
        safetensors result;
        result.source_ = std::move(source);
        result.parse_into(file_bytes);
        return result;
    }

    /// ensures: returns the file bytes: header length, JSON header (padded with spaces to a
    ///          multiple of 8 bytes), then the tensors ordered widest dtype first, then by name,
    ///          as the reference writer does. The same content always gives the same bytes.
    std::vector<std::byte> serialize() const {
        std::vector<const std::pair<const std::string, tensor_entry>*> order;
        order.reserve(tensors_.size());
        for (const auto& item : tensors_) order.push_back(&item);
        std::stable_sort(order.begin(), order.end(), [](const auto* left, const auto* right) {
            return detail::reference_layout_rank(left->second.type) >
                   detail::reference_layout_rank(right->second.type);
        });  // stable: names stay sorted within one dtype

        // ordered_json keeps insertion order: "__metadata__" first, then tensors in data order,
        // fields in the order dtype, shape, data_offsets (the reference writer's order).
        nlohmann::ordered_json header = nlohmann::ordered_json::object();
        if (!metadata_.empty()) {
            nlohmann::ordered_json meta = nlohmann::ordered_json::object();
            for (const auto& [key, value] : metadata_) meta[key] = value;
            header[std::string(detail::metadata_key)] = std::move(meta);
        }
        std::uint64_t offset = 0;
        for (const auto* item : order) {
            const tensor_entry& entry = item->second;
            nlohmann::ordered_json info = nlohmann::ordered_json::object();
            info["dtype"] = std::string(to_string(entry.type));
            info["shape"] = entry.shape;
            info["data_offsets"] = {offset, offset + entry.bytes.size()};
            header[item->first] = std::move(info);
            offset += entry.bytes.size();
        }
        std::string text = header.dump();
        text.append((8 - text.size() % 8) % 8, ' ');

        std::vector<std::byte> out;
        out.reserve(8 + text.size() + offset);
        const std::uint64_t header_length = text.size();
        const auto* length_bytes = reinterpret_cast<const std::byte*>(&header_length);
        out.insert(out.end(), length_bytes, length_bytes + 8);
        const auto* text_bytes = reinterpret_cast<const std::byte*>(text.data());
        out.insert(out.end(), text_bytes, text_bytes + text.size());
        for (const auto* item : order) out.insert(out.end(), item->second.bytes.begin(), item->second.bytes.end());
        return out;
    }

    /// ensures: `file` holds serialize(); it is written to a temporary file in the same folder,
    ///          flushed to disk and renamed over `file`, so readers see the old file or the new
    ///          one whole, never a part. No temporary is left behind, on success or failure.
    /// throws: io_error naming `file` when the temporary cannot be created or written, or the
    ///         rename fails (then `file` is untouched).
    void save(const std::filesystem::path& file) const {
        atomic_write(file, serialize());
    }

    /// ensures: returns whether a tensor called `name` is present.
    bool contains(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

    /// ensures: returns the tensor called `name`.
    /// throws: tensor_error(name, "not found in <source>...") listing a few of the names present.
    const tensor_entry& at(std::string_view name) const {
        const auto found = tensors_.find(name);
        if (found == tensors_.end()) throw tensor_error(std::string(name), "not found in " + describe_contents());
        return found->second;
    }

    /// ensures: returns every tensor name, sorted.
    std::vector<std::string> names() const {
        std::vector<std::string> result;
        result.reserve(tensors_.size());
        for (const auto& item : tensors_) result.push_back(item.first);
        return result;
    }

    /// ensures: returns the number of tensors.
    std::size_t size() const noexcept { return tensors_.size(); }

    /// requires: T is float or double (any file dtype converts to it, see below), or an integer
    ///           type (only integer and BOOL file dtypes convert to those).
    /// ensures: returns the elements of tensor `name`, row-major, converted to T. F16, BF16, F32
    ///          widen exactly; F64 -> float rounds to nearest; integers and BOOL must convert
    ///          exactly. When expected_shape is non-empty the tensor's shape must equal it (an
    ///          empty expected_shape checks nothing, so a 0-d tensor cannot be shape-checked).
    /// throws: tensor_error naming the tensor and source() when it is missing, has another shape
    ///         (message gives both shapes), or an element does not convert (an integer that T
    ///         cannot hold exactly, a finite F64 beyond float's range, a BOOL byte other than 0/1,
    ///         a floating dtype read as an integer type).
    template <tensor_element T>
    std::vector<T> read(std::string_view name, std::span<const std::int64_t> expected_shape = {}) const {
        const tensor_entry& entry = at(name);
        if (!expected_shape.empty() && !std::ranges::equal(expected_shape, entry.shape))
            throw tensor_error(std::string(name), "expected shape " + detail::shape_string(expected_shape) +
                                                      " but " + source_ + " holds shape " +
                                                      detail::shape_string(entry.shape));
        const bool floating_file = entry.type == dtype::f16 || entry.type == dtype::bf16 ||
                                   entry.type == dtype::f32 || entry.type == dtype::f64;
        if (std::is_integral_v<T> && floating_file)
            throw tensor_error(std::string(name), "is " + std::string(to_string(entry.type)) + " in " + source_ +
                                                      "; refusing to truncate it to " +
                                                      std::string(detail::element_name<T>()));
        const std::size_t count = static_cast<std::size_t>(entry.numel());
        std::vector<T> out(count);
        const std::byte* data = entry.bytes.data();
        switch (entry.type) {
            case dtype::f32: convert_all<T, float>(name, entry.type, data, out); break;
            case dtype::f64: convert_all<T, double>(name, entry.type, data, out); break;
            case dtype::i8: convert_all<T, std::int8_t>(name, entry.type, data, out); break;
            case dtype::i16: convert_all<T, std::int16_t>(name, entry.type, data, out); break;
            case dtype::i32: convert_all<T, std::int32_t>(name, entry.type, data, out); break;
            case dtype::i64: convert_all<T, std::int64_t>(name, entry.type, data, out); break;
            case dtype::u8: convert_all<T, std::uint8_t>(name, entry.type, data, out); break;
            case dtype::f16:
            case dtype::bf16:
            case dtype::boolean: convert_narrow_kinds<T>(name, entry.type, data, out); break;
        }
        return out;
    }

    /// Same as above, so that `read<float>("w", {2, 3})` compiles (std::span has no
    /// initializer_list constructor in C++20).
    template <tensor_element T>
    std::vector<T> read(std::string_view name, std::initializer_list<std::int64_t> expected_shape) const {
        return read<T>(name, std::span<const std::int64_t>(expected_shape.begin(), expected_shape.size()));
    }

    /// requires: `name` is not yet present and is not "__metadata__"; every extent of `shape` is
    ///           >= 0 and their product equals values.size().
    /// ensures: adds tensor `name` with dtype_of<T>, `shape` and a copy of `values` (row-major).
    /// throws: tensor_error naming the tensor when a requirement does not hold (nothing is added).
    template <tensor_element T>
    void put(std::string name, std::vector<std::int64_t> shape, std::span<const T> values) {
        const auto byte_size = detail::checked_byte_size(shape, sizeof(T));
        if (!byte_size)
            throw tensor_error(name, "invalid shape " + detail::shape_string(shape) +
                                         " (a negative extent, or too many elements)");
        if (*byte_size != values.size_bytes())
            throw tensor_error(name, "shape " + detail::shape_string(shape) + " holds " +
                                         std::to_string(*byte_size / sizeof(T)) + " elements but " +
                                         std::to_string(values.size()) + " were given");
        tensor_entry entry{dtype_of<T>, std::move(shape), std::vector<std::byte>(values.size_bytes())};
        if (!values.empty()) std::memcpy(entry.bytes.data(), values.data(), values.size_bytes());
        insert(std::move(name), std::move(entry));
    }

    /// Same as above for a vector, so that T can be deduced.
    template <tensor_element T>
    void put(std::string name, std::vector<std::int64_t> shape, const std::vector<T>& values) {
        put<T>(std::move(name), std::move(shape), std::span<const T>(values));
    }

    /// requires: `name` is not yet present and is not "__metadata__"; every extent of entry.shape
    ///           is >= 0 and entry.bytes.size() == numel * size_of(entry.type). This is the way to
    ///           store dtypes put() does not produce (F16, BF16, BOOL) from their raw bytes.
    /// ensures: adds the tensor as given.
    /// throws: tensor_error naming the tensor when a requirement does not hold (nothing is added).
    void insert(std::string name, tensor_entry entry) {
        if (name == detail::metadata_key)
            throw tensor_error(name, "this name is reserved for the metadata map");
        if (contains(name)) throw tensor_error(name, "already present in " + source_ + "; erase it first");
        const auto byte_size = detail::checked_byte_size(entry.shape, size_of(entry.type));
        if (!byte_size)
            throw tensor_error(name, "invalid shape " + detail::shape_string(entry.shape) +
                                         " (a negative extent, or too many elements)");
        if (*byte_size != entry.bytes.size())
            throw tensor_error(name, std::string(to_string(entry.type)) + " shape " +
                                         detail::shape_string(entry.shape) + " needs " +
                                         std::to_string(*byte_size) + " bytes but " +
                                         std::to_string(entry.bytes.size()) + " were given");
        tensors_.emplace(std::move(name), std::move(entry));
    }

    /// ensures: removes tensor `name` if present; returns whether it was.
    bool erase(std::string_view name) {
        const auto found = tensors_.find(name);
        if (found == tensors_.end()) return false;
        tensors_.erase(found);
        return true;
    }

    /// The "__metadata__" string map (for example {"format": "pt"}), written on save when not empty.
    std::map<std::string, std::string>& metadata() noexcept { return metadata_; }
    /// The "__metadata__" string map.
    const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }

    /// ensures: returns the file this was loaded from, or "(in-memory safetensors)"; used in messages.
    const std::string& source() const noexcept { return source_; }

private:
    // Element `index` of a tensor failed to convert: say which, and where it came from.
    [[noreturn]] void conversion_failure(std::string_view name, dtype type, std::size_t index,
                                         const std::string& value, std::string_view target,
                                         std::string_view why) const {
        throw tensor_error(std::string(name), "element " + std::to_string(index) + " (" + value + ") of this " +
                                                  std::string(to_string(type)) + " tensor in " + source_ +
                                                  " " + std::string(why) + " " + std::string(target));
    }

    template <class Source>
    static std::string value_string(Source value) {
        if constexpr (std::is_floating_point_v<Source>) {
            std::ostringstream text;
            text.precision(17);
            text << value;
            return text.str();
        } else {
            return std::to_string(static_cast<std::int64_t>(value));
        }
    }

    // One element of a plain C++-typed file dtype (F32, F64 or an integer) to T.
    template <class T, class Source>
    T convert_one(std::string_view name, dtype type, std::size_t index, Source value) const {
        if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<Source>) {
            const T converted = static_cast<T>(value);
            // Only F64 -> float can leave the range; rounding inside the range is the expected
            // price of narrowing, infinity is not.
            if (std::isfinite(value) && !std::isfinite(converted))
                conversion_failure(name, type, index, value_string(value), detail::element_name<T>(),
                                   "is beyond the range of");
            return converted;
        } else if constexpr (std::is_floating_point_v<T>) {
            // Integer -> floating point: must be exact. Every source integer fits in int64, and
            // float(int64) back to int64 is only defined inside [-2^63, 2^63).
            const auto wide = static_cast<std::int64_t>(value);
            const T converted = static_cast<T>(wide);
            constexpr T limit = static_cast<T>(9223372036854775808.0);  // 2^63, exact in float and double
            if (!(converted >= -limit && converted < limit) || static_cast<std::int64_t>(converted) != wide)
                conversion_failure(name, type, index, value_string(value), detail::element_name<T>(),
                                   "is not exactly representable as");
            return converted;
        } else if constexpr (std::is_floating_point_v<Source>) {
            conversion_failure(name, type, index, value_string(value), detail::element_name<T>(),
                               "is floating point; refusing to truncate it to");
        } else {
            if (!std::in_range<T>(value))
                conversion_failure(name, type, index, value_string(value), detail::element_name<T>(),
                                   "does not fit in");
            return static_cast<T>(value);
        }
    }

    template <class T, class Source>
    void convert_all(std::string_view name, dtype type, const std::byte* data, std::vector<T>& out) const {
        if constexpr (std::same_as<T, Source>) {
            if (!out.empty()) std::memcpy(out.data(), data, out.size() * sizeof(T));
        } else {
            for (std::size_t i = 0; i < out.size(); ++i)
                out[i] = convert_one<T>(name, type, i, detail::load_element<Source>(data + i * sizeof(Source)));
        }
    }

    // F16, BF16 and BOOL have no C++ type of their own: decode them, then convert like F32 or U8.
    template <class T>
    void convert_narrow_kinds(std::string_view name, dtype type, const std::byte* data, std::vector<T>& out) const {
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (type == dtype::boolean) {
                const auto byte = std::to_integer<std::uint8_t>(data[i]);
                if (byte > 1) conversion_failure(name, type, i, std::to_string(byte), "BOOL", "is not a valid");
                out[i] = static_cast<T>(byte);
            } else {
                const auto bits = detail::load_element<std::uint16_t>(data + 2 * i);
                const float value = type == dtype::f16 ? detail::half_to_float(bits) : detail::bfloat16_to_float(bits);
                out[i] = convert_one<T>(name, type, i, value);
            }
        }
    }

    std::string describe_contents() const {
        std::string text = source_ + " (" + std::to_string(tensors_.size()) + " tensors";
        std::size_t shown = 0;
        for (const auto& item : tensors_) {
            if (shown == 8) {
                text += ", ...";
                break;
            }
            text += (shown++ == 0 ? ": " : ", ") + quote_for_message(item.first, 40);
        }
        return text + ")";
    }

    [[noreturn]] void malformed(const std::string& what) const { throw io_error(source_, what); }
    [[noreturn]] void malformed(std::string_view tensor, const std::string& what) const {
        throw io_error(source_, "tensor " + quote_for_message(tensor) + ": " + what);
    }

    // A header value for a message: its JSON text, cut to a readable length (a hostile header can
    // hold a megabyte-long "shape").
    static std::string short_dump(const nlohmann::json& value) { return quote_for_message(value.dump()); }

    static std::optional<std::uint64_t> unsigned_value(const nlohmann::json& value) {
        if (!value.is_number_unsigned()) return std::nullopt;
        return value.get<std::uint64_t>();
    }

    void parse_into(std::span<const std::byte> file) {
        if (file.size() < 8)
            malformed("file is " + std::to_string(file.size()) +
                      " bytes, too short for the 8-byte header length");
        const auto header_length = detail::load_element<std::uint64_t>(file.data());
        if (header_length > detail::max_header_bytes)
            malformed("header length " + std::to_string(header_length) + " exceeds the limit of " +
                      std::to_string(detail::max_header_bytes) + " bytes (corrupt length?)");
        if (header_length > file.size() - 8)
            malformed("header length " + std::to_string(header_length) + " runs past the end of the file (" +
                      std::to_string(file.size()) + " bytes)");
        const std::string_view text(reinterpret_cast<const char*>(file.data() + 8), header_length);
        const std::span<const std::byte> buffer = file.subspan(8 + header_length);

        // nlohmann stops at a NUL as if the input ended, which would let garbage hide behind one.
        if (const auto nul = text.find('\0'); nul != std::string_view::npos)
            malformed("header holds a NUL byte at byte " + std::to_string(nul) + " of the header");
        const nlohmann::json header = parse_header_json(text);
        if (!header.is_object()) malformed("header is not a JSON object");

        struct placed {
            std::string name;
            std::uint64_t begin, end;
        };
        std::vector<placed> placement;
        for (const auto& [name, info] : header.items()) {
            if (name == detail::metadata_key) {
                read_metadata(info);
                continue;
            }
            tensor_entry entry;
            const auto [begin, end] = read_tensor_info(name, info, entry);
            if (end > buffer.size())
                malformed(name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                    "] run past the end of the data buffer (" + std::to_string(buffer.size()) +
                                    " bytes)");
            entry.bytes.assign(buffer.begin() + static_cast<std::ptrdiff_t>(begin),
                               buffer.begin() + static_cast<std::ptrdiff_t>(end));
            tensors_.emplace(name, std::move(entry));
            placement.push_back({name, begin, end});
        }

        // The reference reader requires the tensors to tile the buffer exactly: no overlap (two
        // names would alias one storage), no gap, nothing after the last tensor.
        std::ranges::sort(placement, [](const placed& a, const placed& b) {
            return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
        });
        std::uint64_t covered = 0;
        const placed* previous = nullptr;
        for (const placed& p : placement) {
            if (p.begin < covered)
                malformed(p.name, "data_offsets [" + std::to_string(p.begin) + ", " + std::to_string(p.end) +
                                      "] overlap tensor " + quote_for_message(previous->name) + " [" +
                                      std::to_string(previous->begin) + ", " + std::to_string(previous->end) + "]");
            if (p.begin > covered)
                malformed(p.name, "data_offsets start at " + std::to_string(p.begin) + ", leaving a gap of " +
                                      std::to_string(p.begin - covered) + " bytes before it");
            covered = p.end;
            previous = &p;
        }
        if (covered != buffer.size())
            malformed(std::to_string(buffer.size() - covered) +
                      " bytes after the last tensor's data are not described by the header");
    }

    nlohmann::json parse_header_json(std::string_view text) const {
        // nlohmann keeps the last of two equal keys silently; a duplicated tensor name must be an
        // error instead, so track the keys of every open object while parsing.
        std::vector<std::set<std::string>> open_objects;
        const auto reject_duplicates = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            using event_t = nlohmann::json::parse_event_t;
            if (event == event_t::object_start) {
                open_objects.emplace_back();
            } else if (event == event_t::object_end) {
                if (!open_objects.empty()) open_objects.pop_back();
            } else if (event == event_t::key && !open_objects.empty()) {
                const auto& key = parsed.get_ref<const std::string&>();
                if (!open_objects.back().insert(key).second) {
                    if (open_objects.size() == 1) malformed(key, "appears twice in the header");
                    malformed("key " + quote_for_message(key) + " appears twice in one header object");
                }
            }
            return true;
        };
        try {
            return nlohmann::json::parse(text.begin(), text.end(), reject_duplicates);
        } catch (const nlohmann::json::parse_error& e) {
            malformed("header is not valid JSON (byte " + std::to_string(e.byte) + " of the header): " +
                      quote_for_message(e.what(), 160));
        } catch (const nlohmann::json::out_of_range& e) {
            // nlohmann reports a number beyond double's range (1e400) this way, not as a parse error.
            malformed("header holds a number out of range: " + quote_for_message(e.what(), 160));
        } catch (const nlohmann::json::exception& e) {
            malformed("header cannot be read as JSON: " + quote_for_message(e.what(), 160));
        }
    }

    void read_metadata(const nlohmann::json& info) {
        if (!info.is_object()) malformed("\"__metadata__\" is not a JSON object");
        for (const auto& [key, value] : info.items()) {
            if (!value.is_string())
                malformed("\"__metadata__\" value for key " + quote_for_message(key) + " is not a string");
            metadata_[key] = value.get<std::string>();
        }
    }

    // Fills entry.type and entry.shape; returns the data offsets after checking them against the
    // shape and dtype (but not yet against the buffer).
    std::pair<std::uint64_t, std::uint64_t> read_tensor_info(const std::string& name, const nlohmann::json& info,
                                                             tensor_entry& entry) const {
        if (!info.is_object()) malformed(name, "header entry is not a JSON object");
        const auto field = [&](const char* key) -> const nlohmann::json& {
            const auto found = info.find(key);
            if (found == info.end()) malformed(name, std::string("header entry has no \"") + key + "\"");
            return *found;
        };

        const nlohmann::json& type = field("dtype");
        if (!type.is_string()) malformed(name, "\"dtype\" is not a string");
        const auto parsed_type = dtype_from_string(type.get_ref<const std::string&>());
        if (!parsed_type)
            malformed(name, "unknown dtype " + quote_for_message(type.get_ref<const std::string&>()) +
                                " (known: F16, BF16, F32, F64, I8, I16, I32, I64, U8, BOOL)");
        entry.type = *parsed_type;

        const nlohmann::json& shape = field("shape");
        if (!shape.is_array()) malformed(name, "\"shape\" is not an array");
        for (const auto& extent : shape) {
            const auto value = unsigned_value(extent);
            if (value && *value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                malformed(name, "\"shape\" " + short_dump(shape) + " holds an extent out of range (above 2^63 - 1)");
            if (!value)
                malformed(name, "\"shape\" " + short_dump(shape) + " holds something other than a non-negative integer");
            entry.shape.push_back(static_cast<std::int64_t>(*value));
        }
        const auto byte_size = detail::checked_byte_size(entry.shape, size_of(entry.type));
        if (!byte_size) malformed(name, "shape " + short_dump(shape) + " has too many elements (out of range)");

        const nlohmann::json& offsets = field("data_offsets");
        const auto begin = offsets.is_array() && offsets.size() == 2 ? unsigned_value(offsets[0]) : std::nullopt;
        const auto end = offsets.is_array() && offsets.size() == 2 ? unsigned_value(offsets[1]) : std::nullopt;
        if (!begin || !end) malformed(name, "\"data_offsets\" " + short_dump(offsets) + " is not [begin, end]");
        if (*begin > *end) malformed(name, "\"data_offsets\" " + short_dump(offsets) + " end before they begin");
        if (*end - *begin != *byte_size)
            malformed(name, "\"data_offsets\" " + short_dump(offsets) + " span " + std::to_string(*end - *begin) +
                                " bytes but " + std::string(to_string(entry.type)) + " shape " + short_dump(shape) +
                                " needs " + std::to_string(*byte_size));
        return {*begin, *end};
    }

    std::map<std::string, tensor_entry, std::less<>> tensors_;
    std::map<std::string, std::string> metadata_;
    std::string source_ = "(in-memory safetensors)";
};

}  // namespace canary::io
