// Must NOT compile: ShortSpecs declares 12 parameters but its param_specs name only 8 of them, so
// 4 values would have no state_dict name. tests/compile_fail/CMakeLists.txt checks for exactly one
// error naming the layer and both numbers.
#include <array>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/model/model.hpp"

struct ShortSpecs {
    static constexpr canary::index in_width = 4;
    static constexpr canary::index out_width = 2;
    static constexpr canary::index param_count = 12;
    static constexpr std::array<canary::ParamSpec, 1> param_specs{{{"weight", canary::Shape{2, 4}, 0}}};
    std::string name() const { return "ShortSpecs"; }
    template <class T>
    void init(canary::ParamSpan<T> p, canary::Rng& rng) const {
        canary::uniform_fill(p.val, param_count, 0.5, rng);
    }
    template <class T, class B>
    canary::Var<T> forward(canary::Tape<T, B>& tape, canary::ParamSpan<T> p, const canary::Var<T>& x) const {
        return canary::linear(tape, x, p.var(param_specs[0]), canary::Var<T>{});
    }
};

canary::Model<ShortSpecs> model;

int main() { return 0; }
