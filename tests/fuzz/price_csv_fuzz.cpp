// libFuzzer harness: the price-panel reader (canary::data::load_prices_from_string). The first byte
// picks the missing-value policy and the forward-fill limit, so every policy's code runs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "canary/data/price_panel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    canary::data::load_options options;
    options.missing = static_cast<canary::data::missing_policy>(data[0] % 4);
    options.forward_fill_limit = (data[0] >> 2) % 8;
    options.min_rows = 1 + (data[0] >> 5) % 3;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        canary::data::load_report report;
        (void)canary::data::load_prices_from_string(text, "fuzz.csv", options, report);
    } catch (const canary::error&) {
    }
    return 0;
}
