#pragma once
// canary-risk's figures: risk timeline, ROC and precision-recall curves, loss per epoch, saliency
// heat maps. Each is a data file + a gnuplot script in <out>/plots (see tools/canary_risk/gnuplot.hpp).
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "gnuplot.hpp"
#include "canary/risk/report.hpp"
#include "models.hpp"

namespace canary_risk {

/// A row after evaluation, as main.cpp holds it.
struct Evaluated {
    Row row;
    cr::signal_evaluation eval;
};

/// Reference index, the best model's probability, its threshold and the shaded label-1 days over
/// the validation and test spans; the test span starts at the dashed line.
inline void plot_timeline(plot_session& plots, const Prepared& p, const Options& o, const Evaluated& best) {
    const auto reference = cd::market_reference(p.panel, o.index_column);
    std::ostringstream dat;
    dat.precision(10);
    dat << "# date,reference,probability,label\n";
    auto add = [&](const Span& s, const std::vector<double>& scores) {
        for (std::size_t i = 0; i < s.days.size(); ++i)
            dat << p.panel.dates[s.days[i]] << "," << reference(s.days[i]) << "," << scores[i] << "," << s.labels[i] << "\n";
    };
    add(p.validation, best.row.validation_scores);
    add(p.test, best.row.test_scores);
    plots.data("timeline.dat", dat.str());

    const double threshold = best.eval.choice.threshold;
    const std::string ref_name = o.index_column.empty() ? "equal-weight index" : o.index_column;
    std::ostringstream s;
    s << gnuplot_preamble("timeline", 1300, 600) << "set key outside bottom center horizontal\n"
      << "set xdata time\nset timefmt \"%Y-%m-%d\"\nset format x \"%Y-%m\"\n"
      << "set title \"" << gnuplot_escape(best.row.model) << ": predicted crash probability (" << o.drawdown * 100
      << "% drawdown within " << o.horizon << " days); shaded: label-1 days; dashed line: test span starts\"\n"
      << "set ylabel \"" << gnuplot_escape(ref_name) << "\"\nset y2label \"probability\"\n"
      << "set y2range [0:1]\nset y2tics\nset ytics nomirror\n"
      << "set boxwidth 86400 * 1.5 absolute\n"
      << "set arrow from \"" << p.panel.dates[p.test.days.front()] << "\", graph 0 to \"" << p.panel.dates[p.test.days.front()]
      << "\", graph 1 nohead dt 2 lc rgb \"black\"\n";
    // Label each crash episode (maximal run of label-1 days) at its onset.
    int episode = 0;
    auto label_episodes = [&](const Span& span) {
        for (std::size_t i = 0; i < span.labels.size(); ++i)
            if (span.labels[i] == 1 && (i == 0 || span.labels[i - 1] != 1))
                s << "set label \"E" << ++episode << "\" at \"" << p.panel.dates[span.days[i]] << "\", graph 0.97 center\n";
    };
    label_episodes(p.validation);
    label_episodes(p.test);
    s << "plot \"timeline.dat\" using 1:4 axes x1y2 with boxes fs solid 0.25 noborder lc rgb \"red\" "
         "title \"crash ahead (label 1)\", \\\n"
      << "     \"timeline.dat\" using 1:2 axes x1y1 with lines lw 1.5 lc rgb \"black\" title \""
      << gnuplot_escape(ref_name) << "\", \\\n"
      << "     \"timeline.dat\" using 1:3 axes x1y2 with lines lw 1.2 lc rgb \"blue\" title \"P(crash ahead)\"";
    if (std::isfinite(threshold) && threshold <= 1.0)
        s << ", \\\n     " << threshold << " axes x1y2 with lines dt 2 lw 1.5 lc rgb \"dark-orange\" title \"threshold ("
          << o.threshold << ", validation)\"";
    s << "\n";
    plots.render("timeline", s.str());
}

/// ROC and precision-recall curves of every learned model and indicator on the test span.
inline void plot_curves(plot_session& plots, const Prepared& p, const std::vector<const Evaluated*>& rows) {
    std::ostringstream roc, pr;
    roc.precision(8);
    pr.precision(8);
    std::ostringstream roc_plot, pr_plot;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& r = rows[k]->row;
        const auto rc = cr::roc_curve(r.test_scores, p.test.labels);
        const auto pc = cr::precision_recall_curve(r.test_scores, p.test.labels);
        roc << "# " << r.model << ": fpr,tpr\n";
        for (std::size_t i = 0; i < rc.false_positive_rate.size(); ++i)
            roc << rc.false_positive_rate[i] << "," << rc.true_positive_rate[i] << "\n";
        roc << "\n\n";
        pr << "# " << r.model << ": recall,precision\n";
        for (std::size_t i = 0; i < pc.recall.size(); ++i) pr << pc.recall[i] << "," << pc.precision[i] << "\n";
        pr << "\n\n";
        const std::string dash = r.kind == RowKind::indicator ? " dt 2" : "";
        roc_plot << (k ? ", \\\n     " : "") << "\"roc.dat\" index " << k << " using 1:2 with lines lw 2" << dash
                 << " title \"" << gnuplot_escape(r.model) << " (AUROC " << std::fixed;
        roc_plot.precision(3);
        roc_plot << rows[k]->eval.test.auroc.value << ")\"";
        pr_plot << (k ? ", \\\n     " : "") << "\"pr.dat\" index " << k << " using 1:2 with steps lw 2" << dash
                << " title \"" << gnuplot_escape(r.model) << " (AP " << std::fixed;
        pr_plot.precision(3);
        pr_plot << rows[k]->eval.test.average_precision.value << ")\"";
    }
    plots.data("roc.dat", roc.str());
    plots.data("pr.dat", pr.str());
    double base = 0;
    for (int l : p.test.labels) base += l;
    base /= double(p.test.labels.size());
    std::ostringstream s1, s2;
    s1 << gnuplot_preamble("roc", 900, 650) << "set title \"ROC, test span (dashed: indicators)\"\n"
       << "set xlabel \"false positive rate\"\nset ylabel \"true positive rate\"\nset xrange [0:1]\nset yrange [0:1]\n"
       << "plot " << roc_plot.str() << ", \\\n     x with lines dt 3 lc rgb \"gray\" title \"chance\"\n";
    s2 << gnuplot_preamble("pr", 900, 650) << "set title \"precision-recall, test span (dashed: indicators)\"\n"
       << "set xlabel \"recall\"\nset ylabel \"precision\"\nset xrange [0:1]\nset yrange [0:1]\n"
       << "plot " << pr_plot.str() << ", \\\n     " << base << " with lines dt 3 lc rgb \"gray\" title \"base rate "
       << base << "\"\n";
    plots.render("roc", s1.str());
    plots.render("pr", s2.str());
}

/// Training (solid) and validation (dashed) loss per epoch of every trained model.
inline void plot_losses(plot_session& plots, const std::vector<const Evaluated*>& rows) {
    std::ostringstream dat, cmd;
    dat.precision(8);
    std::size_t k = 0;
    for (const auto* e : rows) {
        const auto& h = e->row.history;
        if (h.train_loss.empty()) continue;
        dat << "# " << e->row.model << " (best epoch " << h.best_epoch + 1 << "): epoch,train,validation\n";
        for (std::size_t i = 0; i < h.train_loss.size(); ++i)
            dat << i + 1 << "," << h.train_loss[i] << "," << h.validation_loss[i] << "\n";
        dat << "\n\n";
        const std::string name = gnuplot_escape(e->row.model);
        cmd << (k ? ", \\\n     " : "") << "\"loss.dat\" index " << k << " using 1:2 with lines lw 2 lc " << k + 1
            << " title \"" << name << " train\", \\\n     \"loss.dat\" index " << k
            << " using 1:3 with lines lw 2 dt 2 lc " << k + 1 << " title \"" << name << " validation\"";
        ++k;
    }
    if (k == 0) return;
    plots.data("loss.dat", dat.str());
    std::ostringstream s;
    s << gnuplot_preamble("loss", 1000, 600) << "set title \"BCE loss per epoch (pos_weight applied; best weights restored)\"\n"
      << "set xlabel \"epoch\"\nset ylabel \"loss\"\nplot " << cmd.str() << "\n";
    plots.render("loss", s.str());
}

/// Heat map of one model's saliency (T days x 16 features), scaled by its largest magnitude.
inline void plot_saliency(plot_session& plots, const std::string& model, const std::string& date,
                          const std::vector<double>& grad, std::size_t window) {
    double scale = 0;
    for (double g : grad) scale = std::max(scale, std::abs(g));
    std::ostringstream dat;
    dat.precision(8);
    for (std::size_t t = 0; t < window; ++t)
        for (std::size_t f = 0; f < 16; ++f) dat << t << "," << f << "," << (scale > 0 ? grad[t * 16 + f] / scale : 0.0) << "\n";
    const std::string name = "saliency_" + model;
    plots.data(name + ".dat", dat.str());
    std::vector<std::string> features(cd::market_feature_names.begin(), cd::market_feature_names.end());
    plots.render(name, heat_map_script(name,
                                           model + ": d logit / d input (standardised features), window ending " + date +
                                               "; row " + std::to_string(window - 1) + " = that day",
                                           name + ".dat", window, cd::market_feature_count, features, "day in window (0 = oldest)"));
}

}  // namespace canary_risk
