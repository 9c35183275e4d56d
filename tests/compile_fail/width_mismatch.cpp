// Must NOT compile: Dense<32, 8> follows a layer that produces 16 features.
// tests/compile_fail/CMakeLists.txt checks that the compiler reports exactly one error naming the
// layer position (2) and both widths (32 expected, 16 given).
#include "canary/layers/activations.hpp"
#include "canary/layers/dense.hpp"
#include "canary/model/model.hpp"

using Mismatched = canary::Sequential<canary::Dense<8, 16>, canary::ReLU, canary::Dense<32, 8>>;
canary::Model<Mismatched> model;

int main() { return 0; }
