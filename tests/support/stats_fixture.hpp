#pragma once
// Reads the reference JSON written by tools/make_stats_fixtures.py (tests/fixtures/stats/).
#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace canary_test {

inline nlohmann::json load_stats_fixture(const std::string& name) {
    const std::string path = std::string(CANARY_FIXTURE_DIR) + "/stats/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
}

// JSON null (numpy NaN written as None) reads as NaN.
inline std::vector<double> doubles(const nlohmann::json& array) {
    std::vector<double> out;
    for (const auto& v : array) out.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
    return out;
}

inline std::vector<int> integers(const nlohmann::json& array) { return array.get<std::vector<int>>(); }

}  // namespace canary_test
