#pragma once
// `canary-risk credit`: bank credit risk on a tabular loan CSV (credit.cpp; docs/credit.md).
namespace CLI {
class App;
}

namespace canary_risk {

/// Registers the `credit` subcommand. Its callback runs the whole study and ends the program with
/// the study's exit code (0, or 1 after one "canary-risk: ..." error line), so main needs nothing
/// beyond this call.
void add_credit_command(CLI::App& app);

}  // namespace canary_risk
