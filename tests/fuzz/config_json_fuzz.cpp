// libFuzzer harness: canary-risk's config.json reader (tools/canary_risk/config.hpp). A file either
// loads or throws a canary::error; a file that loads writes back (to_json) a configuration that
// loads again to the same options, so what `compare` writes, `--config` reads unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../tools/canary_risk/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    canary_risk::Options options;
    try {
        canary_risk::load_config_text(text, "fuzz.json", options);
    } catch (const canary::error&) {
        return 0;
    }
    const auto written = canary_risk::to_json(options).dump();
    canary_risk::Options again;
    canary_risk::load_config_text(written, "written.json", again);  // must not throw
    if (canary_risk::to_json(again).dump() != written) __builtin_trap();
    return 0;
}
