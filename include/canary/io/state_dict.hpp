#pragma once
// A model's parameters <-> a safetensors file under torch's state_dict names. This is how weights
// move between PyTorch and canary: torch side `safetensors.torch.save_file(model.state_dict(), f)`
// (or tools/safetensors_np.py), canary side load_state_dict(model, f). Loading is strict: any
// missing, unexpected or mis-shaped tensor is an error naming it and the file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "canary/io/safetensors.hpp"
#include "canary/model/model.hpp"

namespace canary::io {

inline std::vector<std::int64_t> dims_of(const Shape& s) {
    std::vector<std::int64_t> d;
    for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
    return d;
}

/// A device model's parameters live in device memory: state-dict I/O goes through a host copy.
template <class M>
inline constexpr bool parameters_on_device_v = [] {
    if constexpr (requires { typename M::backend; }) return is_device_backend_v<typename M::backend>;
    else return false;
}();

/// Adds every parameter of `model` to `file` (as F32 for float models, F64 for double).
template <class M>
void put_parameters(const M& model, safetensors& file, const std::string& prefix = "") {
    using T = typename M::scalar;
    std::vector<T> host;
    const T* values = model.parameters();
    if constexpr (parameters_on_device_v<M>) {
        host.resize(static_cast<std::size_t>(M::param_count));
        M::backend::to_host(values, host.data(), M::param_count);
        values = host.data();
    }
    for (const auto& p : model.named_parameters())
        file.put<T>(prefix + p.name, dims_of(p.shape),
                    std::span<const T>(values + p.offset, static_cast<std::size_t>(p.shape.numel())));
}

/// Writes the model's parameters to `path` atomically (temporary file, then rename).
template <class M>
void save_state_dict(const M& model, const std::filesystem::path& path) {
    safetensors file;
    put_parameters(model, file);
    file.metadata()["format"] = "pt";
    file.metadata()["producer"] = "canary";
    file.save(path);
}

/// requires: `file` holds exactly the model's parameters (optionally under `prefix`), F32 or F64.
/// ensures:  the model's parameters equal the file's; on any error the model is unchanged and a
///           tensor_error names the first missing, unexpected or mis-shaped tensor and the file.
template <class M>
void load_parameters(M& model, const safetensors& file, const std::string& prefix = "", bool allow_unexpected = false) {
    using T = typename M::scalar;
    std::vector<T> staged(static_cast<std::size_t>(M::param_count));
    if constexpr (parameters_on_device_v<M>) M::backend::to_host(model.parameters(), staged.data(), M::param_count);
    else std::copy(model.parameters(), model.parameters() + M::param_count, staged.begin());
    for (const auto& p : model.named_parameters()) {
        const std::string name = prefix + p.name;
        if (!file.contains(name)) throw tensor_error(name, "missing from " + file.source());
        const auto dims = dims_of(p.shape);
        const std::vector<T> values = file.read<T>(name, std::span<const std::int64_t>(dims));
        std::copy(values.begin(), values.end(), staged.begin() + p.offset);
    }
    if (!allow_unexpected) {
        for (const std::string& name : file.names()) {
            if (name.rfind(prefix, 0) != 0) continue;
            bool known = false;
            for (const auto& p : model.named_parameters()) known = known || (prefix + p.name == name);
            if (!known)
                throw tensor_error(detail::short_name(name), "in " + file.source() + " is not a parameter of this model");
        }
    }
    if constexpr (parameters_on_device_v<M>) M::backend::to_device(staged.data(), model.parameters(), M::param_count);
    else std::copy(staged.begin(), staged.end(), model.parameters());
}

template <class M>
void load_state_dict(M& model, const std::filesystem::path& path) {
    load_parameters(model, safetensors::load(path));
}

}  // namespace canary::io
