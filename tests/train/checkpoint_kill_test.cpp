// A process saving checkpoints in a loop is SIGKILLed at random moments, again and again; after
// every kill the last checkpoint on disk must load and be whole (io::atomic_write's promise).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "canary/core/rng.hpp"
#include "canary/io/checkpoint.hpp"

namespace {

namespace fs = std::filesystem;

// Checkpoint number k: every parameter equals k and the step says k, so a file that mixes two
// saves, or holds part of one, is visible.
canary::training_checkpoint<float> numbered(long k) {
    canary::training_checkpoint<float> state;
    state.step = k;
    state.parameters.assign(1 << 18, static_cast<float>(k));  // 1 MiB: a save takes a while
    state.best_parameters = state.parameters;
    state.configuration["run"] = "kill test";
    return state;
}

[[noreturn]] void save_forever(const fs::path& file, long first) {
    for (long k = first;; ++k) canary::save_checkpoint(file, numbered(k));
}

TEST(CheckpointKill, LastCheckpointAlwaysLoadsAfterSigkill) {
    const fs::path dir = fs::temp_directory_path() / ("canary_kill_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path file = dir / "run.safetensors";
    canary::save_checkpoint(file, numbered(0));

    canary::Rng delays(2024);
    constexpr int kills = 100;
    long last_seen = 0;
    int survived = 0, killed_mid_save = 0;
    for (int round = 0; round < kills; ++round) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0) << "fork failed";
        if (child == 0) {
            try {
                save_forever(file, last_seen + 1);
            } catch (...) {
                ::_exit(3);
            }
        }
        ::usleep(static_cast<useconds_t>(2000 + delays.below(30000)));  // 2-32 ms: several saves in
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the saver died by itself";

        // A stray temporary means the kill landed inside a save.
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path() == file) continue;
            ++killed_mid_save;
            fs::remove(entry.path());
            break;
        }
        const auto loaded = canary::load_checkpoint<float>(file);  // throws if the file is not whole
        ASSERT_GE(loaded.step, last_seen) << "an older checkpoint came back";
        ASSERT_EQ(loaded.parameters.size(), std::size_t{1} << 18);
        for (float v : loaded.parameters) ASSERT_EQ(v, static_cast<float>(loaded.step));
        last_seen = loaded.step;
        ++survived;
    }
    EXPECT_EQ(survived, kills);
    EXPECT_GT(last_seen, 0) << "the child never finished a save: the test proved nothing";
    std::printf("[ kill test ] %d SIGKILLs survived, %d of them inside a save; %ld checkpoints written\n", survived,
                killed_mid_save, last_seen);
    RecordProperty("kills_survived", survived);
    RecordProperty("kills_inside_a_save", killed_mid_save);
    fs::remove_all(dir);
}

}  // namespace
