#pragma once
// Training checkpoints that resume bitwise: everything fit_binary's loop carries from one epoch to
// the next, in one safetensors file (see docs/reliability.md for the layout).
//
// A run resumed from the checkpoint written after epoch e continues with exactly the numbers the
// uninterrupted run would have used at epoch e + 1: parameters, Adam moments and step count, both
// random streams (dropout on the tape, the shuffle), the current shuffle order (it is permuted in
// place every epoch, so it is state too), the loss history, the best-validation weights and the
// early-stopping counters. The file is written by io::atomic_write (temporary, fsync, rename, fsync
// of the folder), so a process killed while saving leaves the previous checkpoint intact; the
// loader checks a checksum over every tensor, so a file damaged afterwards is refused, not used.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "canary/core/error.hpp"
#include "canary/io/safetensors.hpp"
#include "canary/train/training_state.hpp"

namespace canary {

namespace detail {

inline constexpr std::string_view checkpoint_format = "canary-training-checkpoint";
inline constexpr std::string_view checkpoint_version = "1";

/// FNV-1a 64 over every tensor's name, dtype, shape and bytes in name order: what the checkpoint
/// promises to hold. Cheap (one pass over the bytes) and catches a damaged or edited file.
inline std::uint64_t checkpoint_checksum(const io::safetensors& file) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    const auto mix = [&hash](const void* data, std::size_t size) {
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
    };
    for (const std::string& name : file.names()) {
        const io::tensor_entry& entry = file.at(name);
        mix(name.data(), name.size());
        const auto type = static_cast<int>(entry.type);
        mix(&type, sizeof type);
        for (std::int64_t extent : entry.shape) mix(&extent, sizeof extent);
        mix(entry.bytes.data(), entry.bytes.size());
    }
    return hash;
}

inline std::string hex64(std::uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

inline std::vector<std::int64_t> words_as_int64(const std::array<std::uint64_t, 4>& words) {
    std::vector<std::int64_t> out;
    for (std::uint64_t w : words) out.push_back(std::bit_cast<std::int64_t>(w));
    return out;
}

}  // namespace detail

/// ensures: `path` holds `state`, written atomically and durably (io::atomic_write).
/// throws:  io_error naming `path` when it cannot be written (the previous file is then intact).
template <class T>
void save_checkpoint(const std::filesystem::path& path, const training_checkpoint<T>& state) {
    io::safetensors file;
    const auto length = [](const auto& v) { return std::vector<std::int64_t>{static_cast<std::int64_t>(v.size())}; };
    file.put<T>("parameters", length(state.parameters), state.parameters);
    file.put<T>("best_parameters", length(state.best_parameters), state.best_parameters);
    file.put<T>("optimizer.exp_avg", length(state.exp_avg), state.exp_avg);
    file.put<T>("optimizer.exp_avg_sq", length(state.exp_avg_sq), state.exp_avg_sq);
    file.put<std::int64_t>("shuffle_order", length(state.order), state.order);
    file.put<std::int64_t>("rng.tape", {4}, detail::words_as_int64(state.tape_rng));
    file.put<std::int64_t>("rng.shuffle", {4}, detail::words_as_int64(state.shuffle_rng));
    file.put<double>("history.train_loss", length(state.train_loss), state.train_loss);
    file.put<double>("history.validation_loss", length(state.validation_loss), state.validation_loss);
    // A double in a tensor keeps every bit (JSON would lose infinity and NaN).
    file.put<double>("best_validation_loss", {}, std::vector<double>{state.best_validation_loss});

    nlohmann::ordered_json progress = {{"next_epoch", state.next_epoch},   {"step", state.step},
                                       {"since_best", state.since_best},   {"best_epoch", state.best_epoch},
                                       {"finished", state.finished},       {"optimizer_steps", state.optimizer_steps}};
    nlohmann::ordered_json configuration = nlohmann::ordered_json::object();
    for (const auto& [key, value] : state.configuration) configuration[key] = value;
    file.metadata()["format"] = std::string(detail::checkpoint_format);
    file.metadata()["version"] = std::string(detail::checkpoint_version);
    file.metadata()["progress"] = progress.dump();
    file.metadata()["configuration"] = configuration.dump();
    file.metadata()["checksum"] = detail::hex64(detail::checkpoint_checksum(file));
    file.save(path);
}

/// ensures: returns the state saved in `path` by save_checkpoint<T>.
/// throws:  io_error naming `path` when it is missing, not a safetensors file, not a canary
///          checkpoint, of another version, damaged (checksum) or inconsistent (sizes that do not
///          agree); tensor_error when a tensor is missing or of another element type.
template <class T>
training_checkpoint<T> load_checkpoint(const std::filesystem::path& path) {
    const io::safetensors file = io::safetensors::load(path);
    const std::string name = path.string();
    const auto meta = [&](const char* key) -> const std::string& {
        const auto found = file.metadata().find(key);
        if (found == file.metadata().end())
            throw io_error(name, std::string("not a canary training checkpoint (no metadata \"") + key + "\")");
        return found->second;
    };
    if (meta("format") != detail::checkpoint_format)
        throw io_error(name, "not a canary training checkpoint (format " + io::quote_for_message(meta("format")) + ")");
    if (meta("version") != detail::checkpoint_version)
        throw io_error(name, "checkpoint version " + io::quote_for_message(meta("version")) + " is not supported (this canary reads " +
                                 std::string(detail::checkpoint_version) + ")");
    if (meta("checksum") != detail::hex64(detail::checkpoint_checksum(file)))
        throw io_error(name, "checkpoint is damaged: its checksum does not match its tensors");

    training_checkpoint<T> state;
    try {
        const nlohmann::json progress = nlohmann::json::parse(meta("progress"));
        state.next_epoch = progress.at("next_epoch").get<int>();
        state.step = progress.at("step").get<long>();
        state.since_best = progress.at("since_best").get<int>();
        state.best_epoch = progress.at("best_epoch").get<int>();
        state.finished = progress.at("finished").get<bool>();
        state.optimizer_steps = progress.at("optimizer_steps").get<long>();
        const nlohmann::json configuration = nlohmann::json::parse(meta("configuration"));
        for (const auto& [key, value] : configuration.items()) state.configuration[key] = value.template get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw io_error(name, "checkpoint metadata cannot be read: " + io::quote_for_message(e.what(), 160));
    }
    if (file.at("parameters").type != io::dtype_of<T> || file.at("optimizer.exp_avg").type != io::dtype_of<T>)
        throw tensor_error("parameters", "in " + name + " are not of this model's scalar type");
    state.parameters = file.read<T>("parameters");
    state.best_parameters = file.read<T>("best_parameters");
    state.exp_avg = file.read<T>("optimizer.exp_avg");
    state.exp_avg_sq = file.read<T>("optimizer.exp_avg_sq");
    state.order = file.read<std::int64_t>("shuffle_order");
    const auto tape = file.read<std::int64_t>("rng.tape", {4});
    const auto shuffle = file.read<std::int64_t>("rng.shuffle", {4});
    for (std::size_t i = 0; i < 4; ++i) {
        state.tape_rng[i] = std::bit_cast<std::uint64_t>(tape[i]);
        state.shuffle_rng[i] = std::bit_cast<std::uint64_t>(shuffle[i]);
    }
    state.train_loss = file.read<double>("history.train_loss");
    state.validation_loss = file.read<double>("history.validation_loss");
    state.best_validation_loss = file.read<double>("best_validation_loss").at(0);

    const auto n = state.parameters.size();
    if (state.best_parameters.size() != n || state.exp_avg.size() != state.exp_avg_sq.size() ||
        (!state.exp_avg.empty() && state.exp_avg.size() != n) || state.next_epoch < 0 ||
        state.train_loss.size() != static_cast<std::size_t>(state.next_epoch) ||
        state.validation_loss.size() != state.train_loss.size())
        throw io_error(name, "checkpoint is inconsistent: its tensors' sizes do not agree with each other");
    return state;
}

/// The safetensors checkpoint format above, for FitOptions::checkpoint_format.
inline checkpoint_codec checkpoint_files() {
    return {&save_checkpoint<float>, &load_checkpoint<float>, &save_checkpoint<double>, &load_checkpoint<double>};
}

}  // namespace canary
