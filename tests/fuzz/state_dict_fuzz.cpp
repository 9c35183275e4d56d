// libFuzzer harness: loading a torch state_dict (safetensors) into a small model. A load either
// succeeds completely or throws a canary::error and leaves the model's parameters untouched.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "canary/io/state_dict.hpp"
#include "canary/layers.hpp"
#include "canary/model.hpp"

namespace {
using Net = canary::Sequential<canary::Named<"fc", canary::Dense<3, 2>>, canary::ReLU,
                               canary::Named<"head", canary::Dense<2, 1>>>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static canary::Model<Net> model(7);
    static const std::vector<float> initial(model.parameters(), model.parameters() + Net::param_count);
    std::copy(initial.begin(), initial.end(), model.parameters());
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        const auto file = canary::io::safetensors::parse(bytes, "fuzz.safetensors");
        canary::io::load_parameters(model, file, "", size > 0 && (data[size - 1] & 1));
    } catch (const canary::error&) {
        if (!std::equal(initial.begin(), initial.end(), model.parameters())) __builtin_trap();
    }
    return 0;
}
