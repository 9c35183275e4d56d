// Sequence windows and chronological / walk-forward splits with purging.
#include <canary/data/splits.hpp>
#include <canary/data/windows.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace cd = canary::data;

namespace {

std::vector<std::size_t> range(std::size_t first, std::size_t last_exclusive, std::size_t step = 1) {
    std::vector<std::size_t> out;
    for (std::size_t t = first; t < last_exclusive; t += step) out.push_back(t);
    return out;
}

// f(t, k) = 10 t + k, so every gathered value tells where it came from.
xt::xtensor<double, 2> coded_features(std::size_t days, std::size_t width) {
    xt::xtensor<double, 2> f = xt::xtensor<double, 2>::from_shape({days, width});
    for (std::size_t t = 0; t < days; ++t)
        for (std::size_t k = 0; k < width; ++k) f(t, k) = 10.0 * static_cast<double>(t) + static_cast<double>(k);
    return f;
}

// No kept sample's label window (t, t+H] may reach the first day of the span after it.
void expect_purged(const cd::data_split& s, std::size_t horizon) {
    if (!s.validation.empty()) {
        for (std::size_t t : s.train) EXPECT_LT(t + horizon, s.validation.front()) << t;
    }
    if (!s.test.empty()) {
        for (std::size_t t : s.train) EXPECT_LT(t + horizon, s.test.front()) << t;
        for (std::size_t t : s.validation) EXPECT_LT(t + horizon, s.test.front()) << t;
    }
}

}  // namespace

TEST(Windows, EndDaysRespectWarmupAndStride) {
    cd::window_options o;
    o.length = 3;
    o.first_valid_day = 2;
    EXPECT_EQ(cd::window_end_days(10, o), range(4, 10));  // window [2, 4] is the first fully valid
    o.stride = 2;
    EXPECT_EQ(cd::window_end_days(10, o), (std::vector<std::size_t>{4, 6, 8}));
    EXPECT_TRUE(cd::window_end_days(4, o).empty());
    // Anchored at the start: appending days never moves the days already chosen.
    o.stride = 3;
    const auto short_run = cd::window_end_days(10, o), long_run = cd::window_end_days(30, o);
    EXPECT_TRUE(std::equal(short_run.begin(), short_run.end(), long_run.begin()));
    o.stride = 0;
    EXPECT_THROW(cd::window_end_days(10, o), canary::config_error);
}

TEST(Windows, LabelledEndDaysSkipUnknownLabels) {
    xt::xtensor<int, 1> labels = {0, 0, 0, 0, 1, 0, 1, 1, -1, -1};
    cd::window_options o;
    o.length = 3;
    o.first_valid_day = 2;
    EXPECT_EQ(cd::labelled_window_end_days(labels, o), range(4, 8));
}

TEST(Windows, GatherBatch) {
    const auto f = coded_features(6, 2);
    const std::vector<std::size_t> ends{2, 5};
    const auto w = cd::gather_windows(f, ends, 3);
    static_assert(std::is_same_v<decltype(w), const xt::xtensor<float, 3>>);
    ASSERT_EQ(w.shape()[0], 2u);
    ASSERT_EQ(w.shape()[1], 3u);
    ASSERT_EQ(w.shape()[2], 2u);
    EXPECT_EQ(w(0, 0, 0), 0.0f);   // day 0
    EXPECT_EQ(w(0, 2, 1), 21.0f);  // day 2 (the end day, inclusive), feature 1
    EXPECT_EQ(w(1, 0, 0), 30.0f);  // day 3
    EXPECT_EQ(w(1, 2, 1), 51.0f);
    const auto wd = cd::gather_windows<double>(f, ends, 1);
    EXPECT_EQ(wd(1, 0, 0), 50.0);
    const std::vector<std::size_t> too_early{1};
    EXPECT_THROW(cd::gather_windows(f, too_early, 3), canary::config_error);
    const std::vector<std::size_t> too_late{6};
    EXPECT_THROW(cd::gather_windows(f, too_late, 3), canary::config_error);
    auto g = f;
    g(3, 1) = NAN;
    EXPECT_THROW(cd::gather_windows(g, ends, 3), canary::numeric_error);
    EXPECT_NO_THROW(cd::gather_windows(g, std::vector<std::size_t>{2}, 3));  // window 0..2 is clean
}

TEST(Windows, GatherNodesLabelsAndReshape) {
    xt::xtensor<double, 3> f = xt::xtensor<double, 3>::from_shape({5, 2, 3});
    for (std::size_t t = 0; t < 5; ++t)
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t k = 0; k < 3; ++k) f(t, i, k) = 100.0 * t + 10.0 * i + k;
    const std::vector<std::size_t> ends{3, 4};
    const auto w = cd::gather_node_windows(f, ends, 2);
    ASSERT_EQ(w.dimension(), 4u);
    EXPECT_EQ(w.shape()[1], 2u);
    EXPECT_EQ(w(0, 0, 1, 2), 212.0f);  // day 2, node 1, feature 2
    EXPECT_EQ(w(1, 1, 0, 0), 400.0f);
    const auto flat = cd::flatten_nodes(f);
    ASSERT_EQ(flat.shape()[1], 6u);
    EXPECT_EQ(flat(4, 4), 411.0);  // node 1, feature 1
    xt::xtensor<int, 1> y = {0, 1, 0, 1, -1};
    const auto yb = cd::gather_labels(y, std::vector<std::size_t>{0, 3});
    EXPECT_EQ(yb(0), 0.0f);
    EXPECT_EQ(yb(1), 1.0f);
    EXPECT_THROW(cd::gather_labels(y, std::vector<std::size_t>{4}), canary::config_error);
    xt::xtensor<int, 2> yn = {{0, 0}, {0, 1}, {1, 0}, {1, -1}, {0, 0}};
    const auto ynb = cd::gather_node_labels(yn, ends);
    EXPECT_EQ(ynb(0, 1), -1.0f);
    EXPECT_EQ(ynb(0, 0), 1.0f);
    const auto m = cd::column_stack({xt::xtensor<double, 1>{1, 2}, xt::xtensor<double, 1>{3, 4}});
    EXPECT_EQ(m(1, 0), 2.0);
    EXPECT_EQ(m(0, 1), 3.0);
    EXPECT_THROW(cd::column_stack({xt::xtensor<double, 1>{1, 2}, xt::xtensor<double, 1>{3}}), canary::shape_error);
}

TEST(Splits, ChronologicalDefaultsWithPurge) {
    const auto days = range(0, 100);
    const auto s = cd::chronological_split(days, 5);
    // 60/20/20, then train loses t + 5 >= 60 (55..59) and validation loses t + 5 >= 80 (75..79).
    EXPECT_EQ(s.train, range(0, 55));
    EXPECT_EQ(s.validation, range(60, 75));
    EXPECT_EQ(s.test, range(80, 100));
    EXPECT_EQ(s.purged_train, 5u);
    EXPECT_EQ(s.purged_validation, 5u);
    expect_purged(s, 5);
}

TEST(Splits, StridedSamplesAndTrainTestOnly) {
    const auto days = range(100, 700, 3);  // 200 samples, 3 days apart
    const auto s = cd::chronological_split(days, 20, {0.8, 0.0, 0.2});
    EXPECT_TRUE(s.validation.empty());
    EXPECT_EQ(s.test.front(), days[160]);
    EXPECT_EQ(s.test.size(), 40u);
    // t + 20 >= 580 -> t >= 560: the samples 562, 565, ..., 577 (6 of them) go.
    EXPECT_EQ(s.purged_train, 6u);
    EXPECT_EQ(s.train.back(), 559u);
    expect_purged(s, 20);
    const auto h = cd::chronological_split(days, 20);
    expect_purged(h, 20);
    EXPECT_EQ(h.train.size() + h.validation.size() + h.test.size() + h.purged_train + h.purged_validation, 200u);
}

TEST(Splits, BadInput) {
    const auto days = range(0, 100);
    EXPECT_THROW(cd::chronological_split(days, 5, {0.5, 0.2, 0.2}), canary::config_error);   // sums to 0.9
    EXPECT_THROW(cd::chronological_split(days, 5, {0.0, 0.5, 0.5}), canary::config_error);   // no training
    EXPECT_THROW(cd::chronological_split(range(0, 10), 20), canary::config_error);            // all purged
    const std::vector<std::size_t> unsorted{1, 3, 2};
    EXPECT_THROW(cd::chronological_split(unsorted, 0), canary::config_error);
}

TEST(Splits, WalkForwardExpandingFolds) {
    const auto days = range(0, 100);
    cd::walk_forward_options o;
    o.folds = 4;
    o.initial_train_fraction = 0.6;
    const auto folds = cd::walk_forward_folds(days, 2, o);
    ASSERT_EQ(folds.size(), 4u);
    EXPECT_EQ(folds[0].test, range(60, 70));
    EXPECT_EQ(folds[0].train, range(0, 58));  // 58 and 59 purged: their labels read day 60
    EXPECT_EQ(folds[3].test, range(90, 100));
    EXPECT_EQ(folds[3].train, range(0, 88));
    for (std::size_t j = 0; j < folds.size(); ++j) {
        expect_purged(folds[j], 2);
        EXPECT_EQ(folds[j].train.front(), 0u);  // expanding: always from the start
        if (j > 0) {
            EXPECT_EQ(folds[j].test.front(), folds[j - 1].test.back() + 1);
        }
    }
    EXPECT_EQ(folds[3].test.back(), 99u);
}

TEST(Splits, WalkForwardWithValidation) {
    const auto days = range(0, 100);
    cd::walk_forward_options o;
    o.folds = 4;
    o.initial_train_fraction = 0.6;
    o.validation_fraction = 0.25;
    const auto folds = cd::walk_forward_folds(days, 2, o);
    EXPECT_EQ(folds[0].train, range(0, 43));       // history 0..59, last 15 for validation, purge 43, 44
    EXPECT_EQ(folds[0].validation, range(45, 58));  // 58, 59 purged against the test block at 60
    for (const auto& f : folds) expect_purged(f, 2);
    o.folds = 0;
    EXPECT_THROW(cd::walk_forward_folds(days, 2, o), canary::config_error);
    o.folds = 200;  // more folds than samples: empty test blocks
    EXPECT_THROW(cd::walk_forward_folds(days, 2, o), canary::config_error);
}
