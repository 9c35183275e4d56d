#pragma once
// `canary-risk credit`: bank credit risk on a tabular loan CSV (credit.cpp; docs/credit.md).
namespace CLI {
class App;
}

#include <functional>

namespace canary_risk {

/// The `credit` subcommand and how to run it once parsed (returns the exit code; errors are thrown
/// as canary::error and main prints them as one "canary-risk: ..." line).
struct CreditCommand {
    CLI::App* command = nullptr;
    std::function<int()> run;
};

CreditCommand add_credit_command(CLI::App& app);

}  // namespace canary_risk
