// Must NOT compile: streaming a model with a Bidirectional layer (it reads the future).
// tests/compile_fail/CMakeLists.txt checks for exactly one error that says so.
#include "canary/model/streaming.hpp"

using Net = canary::Sequential<canary::Bidirectional<canary::LSTM<4, 8>>, canary::LastStep, canary::Dense<16, 1>>;
canary::Model<Net> model;
canary::Stream<Net> stream(model, 1);

int main() { return 0; }
