// canary-risk models of the sequence family, registered into the program's model registry.
//
// cnn_bilstm_attention: the CNN-BiLSTM-attention classifier of arXiv 2502.06847
// (canary/models/cnn_bilstm_attention.hpp) on (window, 16) feature windows. Besides the usual row it
// writes its attention weights on every test day through the attention hook of
// tools/canary_risk/gnuplot.hpp: attention_cnn_bilstm_attention.csv (one row per test day, one column per
// window day; the weight of each pooled step is split over the two days it covers) and, with
// --plots, a heat map in plots/.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "canary/models/cnn_bilstm_attention.hpp"
#include "gnuplot.hpp"
#include "models.hpp"

namespace canary_risk {

inline Row run_cnn_bilstm_attention(const Prepared& p, const Options& o, std::ostream& log) {
    using Net = canary::models::cnn_bilstm_attention<>;
    const std::string name = "cnn_bilstm_attention";
    Row row = run_model<Net>(name, p, o, /*last_day_only=*/false, 0.0, log);

    // The trained model is the one the row's closures hold: reload it from the weights just saved.
    canary::Model<Net> model(o.seed);
    canary::io::load_state_dict(model, std::filesystem::path(o.out) / (name + ".safetensors"));
    const canary::index n = canary::index(p.test.days.size()), steps = canary::index(o.window);
    const std::vector<double> pooled = canary::models::attention_weights(model, p.test.x.data(), n, steps);
    std::vector<std::string> dates;
    std::vector<std::vector<double>> per_day;
    for (canary::index i = 0; i < n; ++i) {
        dates.push_back(p.panel.dates[p.test.days[std::size_t(i)]]);
        per_day.push_back(canary::models::attention_per_day(pooled.data() + i * (steps / 2), steps));
    }
    plot_session plots(std::filesystem::path(o.out) / "plots", o.plots);
    write_attention_outputs(plots, o.out, name, dates, per_day);
    row.note = "attention weights of every test day: attention_" + name + ".csv";
    return row;
}

void register_sequence_models(std::map<std::string, Runner>& registry) {
    registry["cnn_bilstm_attention"] = run_cnn_bilstm_attention;
}

}  // namespace canary_risk
