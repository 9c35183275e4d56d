// libFuzzer harness: the loan-table reader of canary-risk credit (canary::credit::parse_loan_csv).
// The target column is "y"; the first byte picks whether the bad label is given or detected and
// whether the delimiter is given or detected.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "canary/credit/table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    canary::credit::load_options options;
    options.target = "y";
    if (data[0] & 1) options.bad_label = "1";
    if (data[0] & 2) options.delimiter = ',';
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        const auto table = canary::credit::parse_loan_csv(text, "fuzz.csv", options);
        // Every row has its label and its file line.
        if (table.lines.size() != table.rows()) __builtin_trap();
        for (int label : table.labels)
            if (label != 0 && label != 1) __builtin_trap();
    } catch (const canary::error&) {
    }
    return 0;
}
