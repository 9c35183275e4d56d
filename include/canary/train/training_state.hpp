#pragma once
// What fit_binary carries from one epoch to the next, as plain data, and the hook through which it
// is written and read. The file format lives in checkpoint.hpp (safetensors + JSON); this header
// needs no JSON library, so the core include path (canary/canary.hpp) stays free of nlohmann-json.
#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace canary {

/// The state of a training run between two epochs. Plain data: fit_binary fills it and reads it.
template <class T>
struct training_checkpoint {
    /// The settings that must match for a resumed run to be the same run (batch size, learning
    /// rate, seed, data sizes, ...), as exact text (floating point in hexadecimal).
    std::map<std::string, std::string> configuration;
    int next_epoch = 0;       ///< the first epoch the resumed run executes (0-based)
    long step = 0;            ///< optimizer steps taken so far
    int since_best = 0;       ///< epochs without validation improvement
    int best_epoch = -1;
    double best_validation_loss = std::numeric_limits<double>::infinity();
    bool finished = false;    ///< early stopping fired: resuming only restores the best weights
    std::vector<double> train_loss, validation_loss;
    std::vector<T> parameters, best_parameters;
    std::vector<T> exp_avg, exp_avg_sq;  ///< Adam's moments (empty before the first step)
    long optimizer_steps = 0;
    std::array<std::uint64_t, 4> tape_rng{}, shuffle_rng{};
    std::vector<std::int64_t> order;     ///< the shuffle permutation as it stands after next_epoch - 1
};

/// How fit_binary saves and loads checkpoints: plain function pointers, one pair per scalar type.
/// Set FitOptions::checkpoint_format = canary::checkpoint_files() (canary/io/checkpoint.hpp).
struct checkpoint_codec {
    void (*save_float)(const std::filesystem::path&, const training_checkpoint<float>&) = nullptr;
    training_checkpoint<float> (*load_float)(const std::filesystem::path&) = nullptr;
    void (*save_double)(const std::filesystem::path&, const training_checkpoint<double>&) = nullptr;
    training_checkpoint<double> (*load_double)(const std::filesystem::path&) = nullptr;
};

}  // namespace canary
