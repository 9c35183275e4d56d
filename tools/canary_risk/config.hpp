#pragma once
// canary-risk's options and their config.json: `canary-risk compare` writes the options it ran with
// to OUT/config.json, and `--config` reads such a file back. The reader takes files it did not
// write, so it is strict: unknown keys, wrong types, negative counts and non-finite numbers are
// canary::config_error naming the file and the key (tests/fuzz/config_json_fuzz.cpp fuzzes it).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "canary/core/error.hpp"
#include "canary/io/csv.hpp"

namespace canary_risk {

struct Options {
    std::string data = "data/rmetrics_spisector_daily_1999_2008.csv";
    std::string index_column;  ///< empty: the equal-weight index of every column (one column: itself)
    std::size_t horizon = 20;
    double drawdown = 0.10;
    std::size_t window = 30;
    /// Default: the two papers' models and every baseline (models that are not built, such as the
    /// random forest without XGBoost, are skipped with a message).
    std::vector<std::string> models{"logistic",       "mlp",           "cnn_bilstm_attention", "bilstm_classifier",
                                    "cnn_classifier", "tcn_classifier", "transformer_classifier", "random_forest",
                                    "srr_snapshot_gnn", "srr_temporal_gnn"};
    int epochs = 60;
    int patience = 8;
    std::uint64_t seed = 7;
    std::string out = "out";
    // Evaluation (main.cpp): threshold rule on validation, bootstrap, lead times, baselines, outputs.
    std::string threshold = "max_f1";  ///< max_f1 | youden | usefulness
    double mu = 0.5;                   ///< usefulness preference for missing a crisis vs a false alarm
    std::size_t bootstrap = 1000;      ///< block-bootstrap resamples (block length = horizon)
    std::size_t sustain = 3;           ///< consecutive days above threshold that make a warning
    std::size_t indicator_window = 250;
    std::size_t permutation_repeats = 5;
    std::string saliency_day;          ///< test date for the saliency map; empty: the best model's peak day
    bool plots = true;
    // Graph models (models_graph.cpp; arXiv 2512.17185's defaults).
    std::size_t graph_window = 7;    ///< trailing days of the Spearman correlation graphs
    double graph_threshold = 0.5;    ///< edge when |rho| >= this
    std::size_t graph_steps = 5;     ///< graphs per sample of srr_temporal_gnn
};

inline nlohmann::ordered_json to_json(const Options& o) {
    nlohmann::ordered_json j;
    j["data"] = o.data;
    j["index"] = o.index_column;
    j["horizon"] = o.horizon;
    j["drawdown"] = o.drawdown;
    j["window"] = o.window;
    j["models"] = o.models;
    j["epochs"] = o.epochs;
    j["patience"] = o.patience;
    j["seed"] = o.seed;
    j["threshold"] = o.threshold;
    j["mu"] = o.mu;
    j["bootstrap"] = o.bootstrap;
    j["sustain"] = o.sustain;
    j["indicator_window"] = o.indicator_window;
    j["permutation_repeats"] = o.permutation_repeats;
    j["saliency_day"] = o.saliency_day;
    j["plots"] = o.plots;
    j["graph_window"] = o.graph_window;
    j["graph_threshold"] = o.graph_threshold;
    j["graph_steps"] = o.graph_steps;
    j["out"] = o.out;
    return j;
}

namespace detail {

// One typed read per key: nlohmann's get_to would wrap -1 into a huge std::size_t and truncate
// 2.5 into an int without a word, so each kind of field checks what JSON actually holds.
class config_reader {
public:
    config_reader(const nlohmann::json& j, std::string name) : j_(j), name_(std::move(name)) {}

    void text(const char* key, std::string& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_string()) wrong(key, "a string");
            field = v->get<std::string>();
        }
    }
    void texts(const char* key, std::vector<std::string>& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_array()) wrong(key, "an array of strings");
            std::vector<std::string> out;
            for (const auto& e : *v) {
                if (!e.is_string()) wrong(key, "an array of strings");
                out.push_back(e.get<std::string>());
            }
            field = std::move(out);
        }
    }
    void flag(const char* key, bool& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_boolean()) wrong(key, "true or false");
            field = v->get<bool>();
        }
    }
    void real(const char* key, double& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_number() || !std::isfinite(v->get<double>())) wrong(key, "a finite number");
            field = v->get<double>();
        }
    }
    template <class Unsigned>
    void count(const char* key, Unsigned& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_number_unsigned() || v->get<std::uint64_t>() > std::numeric_limits<Unsigned>::max())
                wrong(key, "a non-negative integer");
            field = static_cast<Unsigned>(v->get<std::uint64_t>());
        }
    }
    void integer(const char* key, int& field) const {
        if (const auto* v = find(key)) {
            if (!v->is_number_integer()) wrong(key, "an integer");
            constexpr auto lo = std::numeric_limits<int>::min(), hi = std::numeric_limits<int>::max();
            if (v->is_number_unsigned() ? v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
                                        : v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi)
                wrong(key, "an integer within int's range");
            field = static_cast<int>(v->get<std::int64_t>());
        }
    }

private:
    const nlohmann::json* find(const char* key) const {
        const auto it = j_.find(key);
        return it == j_.end() ? nullptr : &*it;
    }
    [[noreturn]] void wrong(const char* key, const std::string& expected) const {
        throw canary::config_error(name_ + ": key '" + key + "' must be " + expected + ", found " +
                                   canary::io::quote_for_message(j_.at(key).dump()));
    }
    const nlohmann::json& j_;
    std::string name_;
};

}  // namespace detail

/// requires: text is the content of a configuration file; name says where it came from (messages).
/// ensures:  the keys present are read into o, the others keep o's values.
/// throws:   config_error naming `name` for text that is not one JSON object, an unknown key (a typo
///           would otherwise silently change nothing) or a value of the wrong type or range.
inline void load_config_text(std::string_view text, const std::string& name, Options& o) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw canary::config_error(name + ": not valid JSON: " + canary::io::quote_for_message(e.what(), 160));
    }
    if (!j.is_object()) throw canary::config_error(name + ": expected a JSON object");
    const auto known = to_json(Options{});
    for (const auto& [key, value] : j.items())
        if (!known.contains(key))
            throw canary::config_error(name + ": unknown key " + canary::io::quote_for_message(key));
    const detail::config_reader r(j, name);
    r.text("data", o.data);
    r.text("index", o.index_column);
    r.count("horizon", o.horizon);
    r.real("drawdown", o.drawdown);
    r.count("window", o.window);
    r.texts("models", o.models);
    r.integer("epochs", o.epochs);
    r.integer("patience", o.patience);
    r.count("seed", o.seed);
    r.text("threshold", o.threshold);
    r.real("mu", o.mu);
    r.count("bootstrap", o.bootstrap);
    r.count("sustain", o.sustain);
    r.count("indicator_window", o.indicator_window);
    r.count("permutation_repeats", o.permutation_repeats);
    r.text("saliency_day", o.saliency_day);
    r.flag("plots", o.plots);
    r.count("graph_window", o.graph_window);
    r.real("graph_threshold", o.graph_threshold);
    r.count("graph_steps", o.graph_steps);
    r.text("out", o.out);
}

/// Reads a config.json written by a previous run into o (see load_config_text); io_error when the
/// file cannot be read, and files over 1 MiB are refused before they are read (a config is ~1 KB).
inline void load_config(const std::string& path, Options& o) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw canary::io_error(path, "cannot open configuration file");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::streamoff>(in.tellg());
    if (size > (1 << 20)) throw canary::io_error(path, "is " + std::to_string(size) + " bytes; a configuration is at most 1 MiB");
    in.seekg(0);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    load_config_text(text, path, o);
}

}  // namespace canary_risk
