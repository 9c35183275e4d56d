// libFuzzer harness: the sector-layer reader (canary::graph::parse_sectors), then the sector graph
// built from what it read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canary/graph/multilayer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const canary::graph::sector_map sectors = canary::graph::parse_sectors(text, "fuzz.csv");
        std::vector<std::string> instruments;
        for (const auto& [name, sector] : sectors) {
            if (name.empty() || sector.empty() || name.find('\0') != std::string::npos) __builtin_trap();
            if (instruments.size() < 64) instruments.push_back(name);
        }
        (void)canary::graph::sector_graph(instruments, sectors);
    } catch (const canary::error&) {
    }
    return 0;
}
