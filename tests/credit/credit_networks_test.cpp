// The credit networks of canary-risk (tools/canary_risk/credit_models.cpp, compiled into this
// test): they learn, integrated gradients are complete (attributions add up to the logit change),
// the SDAE's reconstruction error flags rows unlike the training data, the input width is
// dispatched to 64/128/256 and refused above.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../../tools/canary_risk/credit_models.cpp"
#include "canary/core/rng.hpp"
#include "canary/risk/metrics.hpp"

namespace cm = canary_risk::credit_models;

namespace {

struct Data {
    std::vector<double> x;
    std::vector<int> y;
    std::size_t rows = 0, columns = 0;
    cm::matrix view() const { return {x.data(), rows, columns}; }
};

/// Standard-normal columns; P(bad) = sigmoid(1.5 x0 - x1 + 0.5 x2 x3).
Data make(std::size_t rows, std::size_t columns, std::uint64_t seed) {
    canary::Rng rng(seed);
    Data d{{}, {}, rows, columns};
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < columns; ++j) d.x.push_back(rng.normal());
        const double* r = d.x.data() + i * columns;
        const double logit = 1.5 * r[0] - r[1] + 0.5 * r[2] * r[3];
        d.y.push_back(rng.uniform() < 1 / (1 + std::exp(-logit)) ? 1 : 0);
    }
    return d;
}

double logit(double p) { return std::log(p / (1 - p)); }

cm::neural_options quick() {
    cm::neural_options o;
    o.max_epochs = 40;
    o.pretrain_epochs = 20;
    o.patience = 8;
    o.seed = 3;
    return o;
}

}  // namespace

TEST(CreditNetworks, MlpLearnsAndIntegratedGradientsAddUpToTheLogitChange) {
    const Data train = make(800, 10, 1), validation = make(200, 10, 2), test = make(400, 10, 3);
    auto net = cm::train_mlp(train.view(), train.y, validation.view(), validation.y, quick());
    EXPECT_GT(canary::risk::auroc(net->predict(test.view()), test.y).value, 0.75);
    const std::vector<double> baseline(10, 0.0);
    const cm::matrix base{baseline.data(), 1, 10};
    const double f0 = logit(net->predict(base)[0]);
    for (std::size_t i = 0; i < 5; ++i) {
        const double* row = test.x.data() + i * 10;
        const double f = logit(net->predict(cm::matrix{row, 1, 10})[0]);
        const auto ig = net->integrated_gradients(row, baseline.data(), 10, 512);
        double sum = 0;
        for (double v : ig) sum += v;
        // Completeness (Sundararajan et al. 2017), up to the Riemann sum's error on a ReLU network
        // and float arithmetic.
        EXPECT_NEAR(sum, f - f0, 0.02 * std::max(1.0, std::abs(f - f0))) << "row " << i;
    }
    // Over many applicants, x0 (weight 1.5 in the true logit) gets far more attribution than x9,
    // which the labels never depended on.
    double relevant = 0, irrelevant = 0;
    for (std::size_t i = 0; i < 100; ++i) {
        const auto ig = net->integrated_gradients(test.x.data() + i * 10, baseline.data(), 10, 16);
        relevant += std::abs(ig[0]);
        irrelevant += std::abs(ig[9]);
    }
    EXPECT_GT(relevant, 3 * irrelevant);
}

TEST(CreditNetworks, SdaeClassifiesAndItsReconstructionErrorFlagsUnusualRows) {
    const Data train = make(800, 20, 4), validation = make(200, 20, 5), test = make(400, 20, 6);
    auto net = cm::train_sdae(train.view(), train.y, validation.view(), validation.y, quick());
    EXPECT_GT(canary::risk::auroc(net->predict(test.view()), test.y).value, 0.7);
    const auto typical = net->reconstruction_error(test.view());
    ASSERT_EQ(typical.size(), test.rows);
    Data odd = test;
    for (auto& v : odd.x) v *= 6.0;  // far outside the training distribution
    const auto unusual = net->reconstruction_error(odd.view());
    double mean_typical = 0, mean_unusual = 0;
    for (std::size_t i = 0; i < typical.size(); ++i) {
        EXPECT_TRUE(std::isfinite(typical[i]));
        EXPECT_GE(typical[i], 0.0);
        mean_typical += typical[i];
        mean_unusual += unusual[i];
    }
    EXPECT_GT(mean_unusual, 5 * mean_typical);
}

TEST(CreditNetworks, InputWidthIsDispatchedAndBoundedByTheWidestNetwork) {
    const Data train = make(200, 100, 7), validation = make(60, 100, 8);
    auto o = quick();
    o.max_epochs = 2;
    auto net = cm::train_mlp(train.view(), train.y, validation.view(), validation.y, o);  // 128 wide
    EXPECT_EQ(net->predict(validation.view()).size(), validation.rows);
    const Data wide = make(50, cm::max_input_width + 1, 9);
    EXPECT_THROW(cm::train_mlp(wide.view(), wide.y, wide.view(), wide.y, o), canary::config_error);
}
