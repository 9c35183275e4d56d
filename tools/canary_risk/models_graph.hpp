#pragma once
// canary-risk models of the graph family, registered into the program's model registry.
#include <map>
#include <string>

#include "models.hpp"

namespace canary_risk {

inline void register_graph_models(std::map<std::string, Runner>&) {}

}  // namespace canary_risk
