#pragma once
// canary-risk study: early-warning studies whose tables can carry a conclusion (docs/study.md).
//
//   prepare  -> the panel (files joined on date, late listings), reference index, market features,
//               labels, crises (detected or from a file), the graph panel
//   train    -> every (episode, seed, model) job, independent, on --jobs threads
//   score    -> per signal and episode: per-seed scores, the seed ensemble, calibrated probabilities
//   evaluate -> ranking metrics over seeds, one sustained-alarm rule, warnings and false alarms,
//               paired tests against logistic regression and the best classical indicator
//   report   -> study.md, study.csv, crises.csv, plots
#include <CLI/CLI.hpp>

#include "canary/dist/communicator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace canary_risk {

struct StudyOptions {
    std::vector<std::string> data{"data/skfolio_sp500_20stocks_daily_1990_2022.csv",
                                  "data/skfolio_sp500_index_daily_1990_2022.csv"};
    std::string index_column;           ///< empty: the only instrument, or an equal-weight index
    std::vector<std::string> models{"logistic",       "mlp",           "cnn_bilstm_attention", "bilstm_classifier",
                                    "cnn_classifier", "tcn_classifier", "transformer_classifier", "random_forest",
                                    "srr_snapshot_gnn", "srr_temporal_gnn"};
    std::string protocol = "crises";    ///< crises | walkforward
    std::string crises_file;            ///< name,peak,trough; empty: detect on the reference index
    double crisis_drawdown = 0.20;      ///< D: peak-to-trough fall that makes a crisis
    std::size_t calm_days = 250;        ///< P: test days before each peak
    std::size_t lookback = 60;          ///< L: an alarm starting this many days before a peak warns of it
    std::size_t retrain_days = 250;     ///< R: walk-forward retraining interval
    std::size_t seeds = 5;
    std::size_t jobs = 0;               ///< 0: every core
    std::uint64_t seed = 7;             ///< seed of the first run; run k uses seed + k
    std::size_t horizon = 20;
    double drawdown = 0.10;
    std::size_t window = 30;
    int epochs = 60;
    int patience = 8;
    std::string threshold = "max_f1";
    double mu = 0.5;
    std::size_t sustain = 3;
    std::size_t bootstrap = 1000;
    std::size_t indicator_window = 250;
    bool drop_crisis_days = false;
    bool plots = true;
    std::size_t graph_window = 0;       ///< 0: the shortest of {7, 10, 20, 40, 60} above the permutation null
    double graph_threshold = 0.5;
    std::size_t graph_steps = 5;
    std::string out = "out/study";
    bool resume = false;                ///< reuse OUT/jobs/*.result from a killed run
};

/// Registers `study` on app; returns the subcommand so main can tell whether it was chosen.
CLI::App* add_study_command(CLI::App& app, StudyOptions& options);
/// Every rank of `comm` calls it: the trainings are spread over the ranks (dynamic scheduling,
/// canary/dist/job_scheduler.hpp) and rank 0 writes the outputs, byte-identical to one process.
int run_study(const StudyOptions& options, const canary::dist::Communicator& comm = {});

}  // namespace canary_risk
