// Must NOT compile: NoForward has the widths, param_count and name() of a layer but no forward.
// tests/compile_fail/CMakeLists.txt checks for exactly one error naming the layer and `forward`.
#include <string>

#include "canary/layers/dense.hpp"
#include "canary/model/model.hpp"

struct NoForward {
    static constexpr canary::index in_width = canary::any_width;
    static constexpr canary::index out_width = canary::any_width;
    static constexpr canary::index param_count = 0;
    std::string name() const { return "NoForward"; }
};

canary::Model<canary::Sequential<canary::Dense<4, 4>, NoForward>> model;

int main() { return 0; }
