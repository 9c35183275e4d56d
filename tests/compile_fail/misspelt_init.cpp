// Must NOT compile: MisspeltInit has parameters and an `initialise` where the contract asks for
// `init`, which used to compile and leave its weights at zero. tests/compile_fail/CMakeLists.txt
// checks for exactly one error naming the layer, its parameter count and the missing init.
#include <array>
#include <string>

#include "canary/autodiff/ops.hpp"
#include "canary/model/model.hpp"

struct MisspeltInit {
    static constexpr canary::index in_width = 4;
    static constexpr canary::index out_width = 3;
    static constexpr canary::index param_count = 12;
    static constexpr std::array<canary::ParamSpec, 1> param_specs{{{"weight", canary::Shape{3, 4}, 0}}};
    std::string name() const { return "MisspeltInit"; }
    template <class T>
    void initialise(canary::ParamSpan<T> p, canary::Rng& rng) const {
        canary::uniform_fill(p.val, param_count, 0.5, rng);
    }
    template <class T, class B>
    canary::Var<T> forward(canary::Tape<T, B>& tape, canary::ParamSpan<T> p, const canary::Var<T>& x) const {
        return canary::linear(tape, x, p.var(param_specs[0]), canary::Var<T>{});
    }
};

canary::Model<MisspeltInit> model;

int main() { return 0; }
