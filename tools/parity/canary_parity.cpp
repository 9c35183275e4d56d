// canary_parity CASE WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors
//
// Runs the canary twin of a PyTorch reference model (CASE) on the torch weights (state_dict names)
// and inputs (x, grad_y, and adj for graph cases), and writes y, grad.x and grad.<param> (plus
// aux.<name> where a case defines them) for comparison with torch. Float32 inputs run in float,
// float64 inputs in double. tools/parity/parity_check.py drives it on random cases.
#include <cstdio>
#include <exception>
#include <string>

#include "all_cases.hpp"

int main(int argc, char** argv) {
    const auto registry = canary::parity::all_cases();
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto& n : registry.names()) std::printf("%s\n", n.c_str());
        return 0;
    }
    if (argc != 5) {
        std::fprintf(stderr,
                     "usage: canary_parity CASE WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors\n"
                     "       canary_parity --list\n");
        return 2;
    }
    try {
        const auto weights = canary::io::safetensors::load(argv[2]);
        const auto inputs = canary::io::safetensors::load(argv[3]);
        const auto out = registry.run(argv[1], canary::testing::ParityArgs{weights, inputs, "", ""});
        out.save(argv[4]);
        std::printf("%s: wrote %zu tensors to %s\n", argv[1], out.size(), argv[4]);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "canary_parity: %s\n", e.what());
        return 1;
    }
}
