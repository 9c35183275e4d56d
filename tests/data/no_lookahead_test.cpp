// The no-look-ahead rule on real data: changing prices after day t leaves every feature and
// window of days <= t bitwise unchanged; changing prices inside (t, t+H] changes labels of days
// <= t (that is what labels are for) but never features.
#include <canary/data.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace cd = canary::data;

namespace {

const cd::price_panel& spisector() {
    static const cd::price_panel panel =
        cd::load_prices(std::string(CANARY_DATA_DIR) + "/rmetrics_spisector_daily_1999_2008.csv");
    return panel;
}

// Bitwise equality, with NaN equal to NaN (warm-up rows).
bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

// Every per-day output the pipeline computes from prices, flattened per day.
struct pipeline_output {
    xt::xtensor<double, 3> node;
    xt::xtensor<double, 1> index, dispersion, correlation;
    xt::xtensor<int, 1> market_labels;
    xt::xtensor<int, 2> node_labels;
};

pipeline_output run(const cd::price_panel& p, std::size_t horizon) {
    cd::drawdown_label_options o;
    o.horizon = horizon;
    pipeline_output out;
    out.node = cd::node_features(p).values;
    out.index = cd::equal_weight_index(p);
    out.dispersion = cd::cross_sectional_dispersion(p);
    out.correlation = cd::average_pairwise_correlation(p, 20);
    out.market_labels = cd::forward_drawdown_labels(out.index, o);
    out.node_labels = cd::node_drawdown_labels(p, o);
    return out;
}

// True when all FEATURES (not labels) of days 0..t agree bitwise.
bool features_equal_through(const pipeline_output& a, const pipeline_output& b, std::size_t t) {
    for (std::size_t d = 0; d <= t; ++d) {
        for (std::size_t i = 0; i < a.node.shape()[1]; ++i)
            for (std::size_t k = 0; k < a.node.shape()[2]; ++k)
                if (!same(a.node(d, i, k), b.node(d, i, k))) return false;
        if (!same(a.index(d), b.index(d)) || !same(a.dispersion(d), b.dispersion(d)) ||
            !same(a.correlation(d), b.correlation(d)))
            return false;
    }
    return true;
}

}  // namespace

TEST(NoLookAhead, FuturePricesDoNotChangePastFeaturesOrWindows) {
    const auto& base = spisector();
    const std::size_t horizon = 20, t = 1200;
    auto shocked = base;
    // Crash everything after t by 50% and scramble one instrument: the future looks nothing alike.
    for (std::size_t d = t + 1; d < shocked.days(); ++d)
        for (std::size_t i = 0; i < shocked.instrument_count(); ++i)
            shocked.prices(d, i) *= (i == 3 ? 1.0 + 0.01 * static_cast<double>(d % 7) : 0.5);
    const auto a = run(base, horizon), b = run(shocked, horizon);
    EXPECT_TRUE(features_equal_through(a, b, t));
    EXPECT_FALSE(features_equal_through(a, b, t + 1));  // the test would notice a change at all

    // Windows ending at or before t are identical, element for element.
    const auto fa = cd::flatten_nodes(a.node), fb = cd::flatten_nodes(b.node);
    cd::window_options w;
    w.length = 30;
    w.first_valid_day = cd::node_feature_windows{}.first_valid_day();
    std::vector<std::size_t> ends;
    for (std::size_t e : cd::window_end_days(base.days(), w))
        if (e <= t) ends.push_back(e);
    ASSERT_GT(ends.size(), 1000u);
    const auto wa = cd::gather_windows<double>(fa, ends, w.length), wb = cd::gather_windows<double>(fb, ends, w.length);
    ASSERT_EQ(wa.size(), wb.size());
    EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(double)), 0);

    // Labels of days whose forward window ends at or before t do not change either.
    for (std::size_t d = 0; d + horizon <= t; ++d) ASSERT_EQ(a.market_labels(d), b.market_labels(d)) << d;
}

TEST(NoLookAhead, PricesInsideTheLabelWindowOnlyMoveLabels) {
    const auto& base = spisector();
    const std::size_t horizon = 20, t = 1500;
    const auto a = run(base, horizon);
    ASSERT_EQ(a.market_labels(t), 0);  // a calm day (checked below to make the shock matter)
    // Drop every instrument 30% on days t+5 .. t+H: the market must now crash ahead of day t.
    auto shocked = base;
    for (std::size_t d = t + 5; d <= t + horizon; ++d)
        for (std::size_t i = 0; i < shocked.instrument_count(); ++i) shocked.prices(d, i) *= 0.7;
    const auto b = run(shocked, horizon);
    EXPECT_TRUE(features_equal_through(a, b, t));
    EXPECT_EQ(b.market_labels(t), 1);
    EXPECT_EQ(b.node_labels(t, 0), 1);
    // Only labels of days that can see (t, t+H] may change: days t-H+5 .. t and later.
    for (std::size_t d = 0; d + horizon < t + 5; ++d) {
        ASSERT_EQ(a.market_labels(d), b.market_labels(d)) << d;
        for (std::size_t i = 0; i < base.instrument_count(); ++i) ASSERT_EQ(a.node_labels(d, i), b.node_labels(d, i));
    }
}

TEST(NoLookAhead, EndToEndOnSpisector) {
    // The whole pipeline on the default data set, as a program would run it.
    const auto& panel = spisector();
    const auto features = cd::node_features(panel);
    const auto labels = cd::forward_drawdown_labels(cd::market_reference(panel, "SPI"));
    cd::window_options w;
    w.length = 30;
    w.stride = 5;
    w.first_valid_day = features.first_valid_day;
    const auto samples = cd::labelled_window_end_days(labels, w);
    ASSERT_FALSE(samples.empty());
    EXPECT_EQ(samples.front(), 89u);  // 60 + 30 - 1
    EXPECT_LE(samples.back(), panel.days() - 1 - 20);
    const auto split = cd::chronological_split(samples, 20);
    for (std::size_t s : split.train) EXPECT_LT(s + 20, split.validation.front());
    const auto flat = cd::flatten_nodes(features.values);
    cd::standard_scaler scaler;
    scaler.fit(flat, split.train);
    const auto scaled = scaler.transform(flat);
    const auto x = cd::gather_windows(scaled, split.train, w.length);
    const auto y = cd::gather_labels(labels, split.train);
    EXPECT_EQ(x.shape()[0], split.train.size());
    EXPECT_EQ(x.shape()[2], 70u);
    // SPISECTOR's training span (2000-2005) contains the dot-com bear market: positives exist.
    double positives = 0;
    for (float v : y) positives += v;
    EXPECT_GT(positives, 0.0);
    EXPECT_LT(positives, static_cast<double>(y.size()));
    EXPECT_FALSE(cd::crash_episodes(labels).empty());
}
