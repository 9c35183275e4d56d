// libFuzzer harness: a whole safetensors file (header and body). A file that loads must read as
// every element type without anything but a canary::error, and must survive a save/load round
// trip unchanged.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "canary/io/safetensors.hpp"

namespace {
template <class T>
void read_as(const canary::io::safetensors& file, const std::string& name) {
    try {
        (void)file.read<T>(name);
    } catch (const canary::error&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    canary::io::safetensors file;
    try {
        file = canary::io::safetensors::parse(bytes, "fuzz.safetensors");
    } catch (const canary::error&) {
        return 0;
    }
    for (const std::string& name : file.names()) {
        read_as<float>(file, name);
        read_as<double>(file, name);
        read_as<std::int64_t>(file, name);
        read_as<std::int8_t>(file, name);
        read_as<std::uint8_t>(file, name);
    }
    // What we write we must read back identically (a writer/reader disagreement is a bug).
    const std::vector<std::byte> written = file.serialize();
    const auto again = canary::io::safetensors::parse(written, "round-trip");
    if (again.names() != file.names() || again.metadata() != file.metadata()) __builtin_trap();
    for (const std::string& name : file.names())
        if (!(again.at(name) == file.at(name))) __builtin_trap();
    return 0;
}
