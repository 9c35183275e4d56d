// Soak: about 10,000 small training steps plus scoring in one process; resident memory must stay
// flat (a leak of even a few bytes per step would show as megabytes). Named Soak.* so it can be
// skipped (ctest -E Soak, or CANARY_SKIP_SOAK=1); it takes a few seconds.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include <unistd.h>

#include "canary/canary.hpp"

using namespace canary;

namespace {

// Resident set size in KiB, from /proc/self/statm (second field, in pages).
long resident_kib() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// A window model like canary-risk's: 5 days of 4 features -> LSTM -> last step -> dropout -> logit.
using Net = Sequential<LSTM<4, 8>, LastStep, Dropout, Dense<8, 1>>;

TEST(Soak, TenThousandStepsKeepResidentMemoryFlat) {
    if (std::getenv("CANARY_SKIP_SOAK")) GTEST_SKIP() << "CANARY_SKIP_SOAK is set";
    Rng r(9);
    std::vector<float> x(64 * 20), y(64);
    for (auto& v : x) v = static_cast<float>(r.uniform(-1, 1));
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = x[i * 20 + 16] + x[i * 20 + 3] > 0 ? 1.0f : 0.0f;
    const BinaryDataset<float> data(x, y, Shape{5, 4});

    FitOptions o;
    o.max_epochs = 5;
    o.batch_size = 8;  // 8 steps per epoch, 40 per fit
    o.patience = 1000;
    constexpr int fits = 250;  // 250 * 40 = 10,000 steps
    long steps = 0, before = 0;
    double checksum = 0;
    for (int round = 0; round < fits; ++round) {
        if (round == fits / 10) before = resident_kib();  // after warm-up: arenas and caches sized
        Model<Net> model(static_cast<std::uint64_t>(round));
        model.get<2>().p = 0.1;  // the Dropout
        o.seed = static_cast<std::uint64_t>(round);
        const FitHistory h = fit_binary(model, data, data, o);
        steps += static_cast<long>(h.train_loss.size()) * 8;
        for (double p : predict_proba(model, data)) checksum += p;
    }
    const long after = resident_kib();
    std::printf("[ soak ] %ld steps; resident memory %ld KiB after warm-up, %ld KiB at the end\n", steps, before,
                after);
    RecordProperty("resident_kib_before", static_cast<int>(before));
    RecordProperty("resident_kib_after", static_cast<int>(after));
    EXPECT_EQ(steps, 10000);
    EXPECT_GT(checksum, 0.0);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // Sanitizers hold freed memory in quarantine, so resident memory grows by design; there the
    // leak check at exit (LeakSanitizer) is the test instead.
    std::printf("[ soak ] resident-memory check skipped under a sanitizer\n");
#else
    // Flat: allocator noise is a few hundred KiB at most; a per-step leak of 100 bytes is ~1 MB.
    EXPECT_LT(after - before, 1024) << "resident memory grew by " << (after - before) << " KiB";
#endif
}

}  // namespace
