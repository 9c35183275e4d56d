#pragma once
// Runs the built canary-risk program from the end-to-end tests: from the repository root (so the
// default data paths resolve), capturing stdout, stderr and the exit code.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace canary_test {

namespace fs = std::filesystem;

/// The program sits in <build>/tools/, the tests in <build>/tests/; CANARY_RISK overrides.
inline fs::path canary_risk_program() {
    if (const char* env = std::getenv("CANARY_RISK")) return env;
    return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "canary-risk";
}

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct ProgramRun {
    int code = -1;
    std::string out, err;
};

/// `canary-risk ARGUMENTS`, run in the repository root; stdout and stderr go through `scratch`.
inline ProgramRun run_canary_risk(const std::string& arguments, const fs::path& scratch) {
    const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
    const std::string command = "cd '" + std::string(CANARY_DATA_DIR) + "/..' && '" + canary_risk_program().string() +
                                "' " + arguments + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace canary_test
