#pragma once
// Runs every committed fixture tests/fixtures/parity/<case>_*.safetensors through the canary_parity
// registry and compares with the PyTorch outputs stored in the same file.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "canary/testing/parity.hpp"

namespace canary::parity_test {

inline std::vector<std::filesystem::path> fixtures_for(const std::string& case_name) {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(CANARY_FIXTURE_DIR) + "/parity")) {
        const std::string file = entry.path().filename().string();
        if (file.rfind(case_name + "_", 0) == 0 && entry.path().extension() == ".safetensors") {
            // "<case>_<dims>_<dtype>": make sure the case is not a prefix of a longer case name.
            const std::string rest = file.substr(case_name.size() + 1);
            if (!rest.empty() && std::isupper(static_cast<unsigned char>(rest[0]))) out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// Checks all fixtures of `case_name`; returns the worst scaled error seen.
inline double expect_parity(const testing::ParityRegistry& registry, const std::string& case_name,
                            std::size_t min_fixtures = 2) {
    const auto files = fixtures_for(case_name);
    EXPECT_GE(files.size(), min_fixtures) << "fixtures for case '" << case_name << "'";
    double worst = 0.0;
    for (const auto& path : files) {
        const auto file = io::safetensors::load(path);
        const auto out = registry.run(case_name, testing::ParityArgs{file, file, "weights.", "inputs."});
        const auto rep = testing::compare_parity(file, "expected.", out);
        std::string problems;
        for (const auto& p : rep.problems) problems += "\n  " + p;
        EXPECT_TRUE(rep.ok()) << path.filename() << problems;
        worst = std::max(worst, rep.worst);
        std::printf("[ parity   ] %-40s worst scaled error %.3g (%s)\n", path.filename().string().c_str(), rep.worst,
                    rep.worst_tensor.c_str());
    }
    return worst;
}

}  // namespace canary::parity_test
