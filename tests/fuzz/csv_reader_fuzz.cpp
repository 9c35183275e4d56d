// libFuzzer harness: the CSV tokenizer every reader shares (canary::io::csv_reader).
// Anything other than a canary::error escaping, a crash or a sanitizer report is a bug.
// The first byte picks the delimiter and small limits, so the size checks are reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "canary/io/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    canary::io::csv_options options;
    options.delimiter = (data[0] & 1) ? ';' : ',';
    if (data[0] & 2) {
        options.max_fields = 8;
        options.max_field_bytes = 16;
    }
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        canary::io::csv_reader reader(text, "fuzz.csv", options);
        canary::io::csv_record record;
        std::size_t last_line = 0;
        while (reader.next(record)) {
            // Records come in file order and every field has its column.
            if (record.line < last_line || record.fields.size() != record.columns.size() ||
                record.fields.size() != record.quoted.size() || record.fields.size() > options.max_fields)
                __builtin_trap();
            for (const auto& field : record.fields)
                if (field.size() > options.max_field_bytes) __builtin_trap();
            last_line = record.line;
        }
    } catch (const canary::error&) {
    }
    return 0;
}
