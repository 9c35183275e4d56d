// libFuzzer harness: the crises file of `canary-risk study --crises` (canary::risk::parse_crises)
// over a 400-day calendar. A file either reads or throws a canary::error; what it reads is a list
// of episodes inside the data, each peak before its trough, in time order without overlap.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "canary/risk/crises.hpp"

namespace {
struct calendar {
    std::vector<std::string> dates;
    std::vector<double> index;
    calendar() {
        // 2000-01-01 .. about 2001-02: every day of each month up to the 28th.
        for (int y = 2000; dates.size() < 400; ++y)
            for (int m = 1; m <= 12 && dates.size() < 400; ++m)
                for (int d = 1; d <= 28 && dates.size() < 400; ++d) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                    dates.emplace_back(buf);
                    index.push_back(100.0 + static_cast<double>((dates.size() * 37) % 50));
                }
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const calendar cal;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto crises = canary::risk::parse_crises(text, "fuzz.csv", cal.dates, cal.index);
        std::size_t previous_trough = 0;
        for (std::size_t i = 0; i < crises.size(); ++i) {
            const auto& c = crises[i];
            if (c.name.empty() || c.peak >= c.trough || c.trough >= cal.dates.size()) __builtin_trap();
            if (i > 0 && c.peak <= previous_trough) __builtin_trap();
            previous_trough = c.trough;
        }
    } catch (const canary::error&) {
    }
    return 0;
}
