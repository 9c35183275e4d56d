// Checkpoints that resume bitwise, refuse what they should, and numerical faults in fit_binary:
// NaN/Inf inputs named by row and column, a loss that turns non-finite answered by restoring the
// last good weights.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "canary/canary.hpp"
#include "canary/io/checkpoint.hpp"

using namespace canary;

namespace {

namespace fs = std::filesystem;
using Net = Sequential<Dense<6, 16>, ReLU, Dropout, Dense<16, 1>>;

struct Data {
    std::vector<float> x, y;
    BinaryDataset<float> view() const { return BinaryDataset<float>(x, y, Shape{6}); }
};

Data make_data(canary::index n, std::uint64_t seed) {
    Rng r(seed);
    Data d{std::vector<float>(static_cast<std::size_t>(n * 6)), std::vector<float>(static_cast<std::size_t>(n))};
    for (canary::index i = 0; i < n; ++i) {
        double s = 0;
        for (canary::index j = 0; j < 6; ++j) {
            const double v = r.uniform(-1, 1);
            d.x[static_cast<std::size_t>(i * 6 + j)] = static_cast<float>(v);
            s += v * (j % 2 ? 1.0 : -0.7);
        }
        d.y[static_cast<std::size_t>(i)] = s + 0.3 * r.normal() > 0 ? 1.0f : 0.0f;
    }
    return d;
}

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("canary_checkpoint_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

struct Outcome {
    std::vector<float> parameters;
    FitHistory history;
};

Outcome train(FitOptions o, const Data& train_set, const Data& validation_set) {
    Model<Net> model(3);
    model.get<2>().p = 0.25;  // dropout draws from the tape's generator: its state must resume too
    Outcome out;
    out.history = fit_binary(model, train_set.view(), validation_set.view(), o);
    out.parameters.assign(model.parameters(), model.parameters() + Net::param_count);
    return out;
}

FitOptions base_options() {
    FitOptions o;
    o.max_epochs = 9;
    o.batch_size = 10;  // 97 samples: a ragged last batch
    o.patience = 100;
    o.learning_rate = 3e-2;
    o.weight_decay = 1e-3;
    o.seed = 42;
    o.checkpoint_format = checkpoint_files();
    return o;
}

void expect_same_run(const Outcome& a, const Outcome& b) {
    ASSERT_EQ(a.parameters.size(), b.parameters.size());
    for (std::size_t i = 0; i < a.parameters.size(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(a.parameters[i]), std::bit_cast<std::uint32_t>(b.parameters[i]))
            << "parameter " << i;
    ASSERT_EQ(a.history.train_loss.size(), b.history.train_loss.size());
    for (std::size_t i = 0; i < a.history.train_loss.size(); ++i) {
        EXPECT_EQ(a.history.train_loss[i], b.history.train_loss[i]) << "epoch " << i;
        EXPECT_EQ(a.history.validation_loss[i], b.history.validation_loss[i]) << "epoch " << i;
    }
    EXPECT_EQ(a.history.best_epoch, b.history.best_epoch);
}

class ResumeAtThreads : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override { set_num_threads(GetParam()); }
    void TearDown() override { set_num_threads(1); }
};

TEST_P(ResumeAtThreads, ResumedRunIsBitwiseTheUninterruptedRun) {
    const Data train_set = make_data(97, 1), validation_set = make_data(40, 2);
    const Outcome whole = train(base_options(), train_set, validation_set);

    for (int stop_after : {1, 4}) {
        const fs::path file = scratch("resume_" + std::to_string(stop_after) + ".safetensors");
        FitOptions first = base_options();
        first.max_epochs = stop_after;  // the "interrupted" run: its last checkpoint is after stop_after epochs
        first.checkpoint_path = file;
        (void)train(first, train_set, validation_set);
        ASSERT_TRUE(fs::exists(file));

        FitOptions rest = base_options();
        rest.resume_from = file;
        std::ostringstream log;
        rest.log = &log;
        const Outcome resumed = train(rest, train_set, validation_set);
        EXPECT_NE(log.str().find("resumed from"), std::string::npos);
        expect_same_run(whole, resumed);
    }
}

TEST_P(ResumeAtThreads, ResumingAfterEarlyStoppingGivesTheSameBestWeights) {
    const Data train_set = make_data(97, 5), validation_set = make_data(40, 6);
    FitOptions o = base_options();
    o.max_epochs = 60;
    o.patience = 2;
    o.learning_rate = 0.2;  // overfits fast, so early stopping fires
    const Outcome whole = train(o, train_set, validation_set);
    ASSERT_LT(whole.history.train_loss.size(), 60u) << "early stopping did not fire; the test needs it";

    const fs::path file = scratch("early.safetensors");
    FitOptions first = o;
    first.checkpoint_path = file;
    first.checkpoint_every = 3;
    (void)train(first, train_set, validation_set);  // runs to the early stop, last checkpoint "finished"
    FitOptions again = o;
    again.resume_from = file;
    expect_same_run(whole, train(again, train_set, validation_set));

    // And from the middle: resume from a checkpoint two epochs into the run.
    FitOptions early = o;
    early.max_epochs = 2;
    early.checkpoint_path = file;
    (void)train(early, train_set, validation_set);
    expect_same_run(whole, train(again, train_set, validation_set));
}

INSTANTIATE_TEST_SUITE_P(Threads, ResumeAtThreads, ::testing::Values(1, 2));

TEST(Checkpoint, DifferentConfigurationIsRefusedNamingTheSetting) {
    const Data train_set = make_data(40, 1), validation_set = make_data(20, 2);
    const fs::path file = scratch("config.safetensors");
    FitOptions first = base_options();
    first.max_epochs = 1;
    first.checkpoint_path = file;
    (void)train(first, train_set, validation_set);
    FitOptions other = base_options();
    other.batch_size = 7;
    other.resume_from = file;
    try {
        (void)train(other, train_set, validation_set);
        FAIL() << "a checkpoint of another batch size was accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("batch_size"), std::string::npos) << e.what();
    }
}

TEST(Checkpoint, PathWithoutFormatIsAConfigError) {
    const Data train_set = make_data(20, 1);
    FitOptions o = base_options();
    o.checkpoint_format = {};
    o.checkpoint_path = scratch("unused.safetensors");
    EXPECT_THROW((void)train(o, train_set, train_set), config_error);
    EXPECT_FALSE(fs::exists(o.checkpoint_path));
}

TEST(Checkpoint, DamagedFileIsRefused) {
    training_checkpoint<float> state;
    state.parameters = {1, 2, 3};
    state.best_parameters = {1, 2, 3};
    state.order = {0, 1};
    const fs::path file = scratch("damaged.safetensors");
    save_checkpoint(file, state);
    const auto loaded = load_checkpoint<float>(file);
    EXPECT_EQ(loaded.parameters, state.parameters);

    std::string bytes;
    {
        std::ifstream in(file, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes[bytes.size() - 20] ^= 0x01;  // one bit of the tensor data
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    try {
        (void)load_checkpoint<float>(file);
        FAIL() << "a damaged checkpoint was accepted";
    } catch (const io_error& e) {
        EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)load_checkpoint<double>(scratch("missing.safetensors")), io_error);
}

TEST(NumericalFaults, NonFiniteInputIsNamedByRowAndColumn) {
    Data train_set = make_data(30, 1);
    const Data validation_set = make_data(10, 2);
    train_set.x[7 * 6 + 4] = std::numeric_limits<float>::quiet_NaN();
    try {
        (void)train(base_options(), train_set, validation_set);
        FAIL() << "NaN input accepted";
    } catch (const numeric_error& e) {
        EXPECT_NE(std::string(e.what()).find("row 7, column 4"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
    }
    Data bad_validation = make_data(10, 2);
    bad_validation.y[3] = std::numeric_limits<float>::infinity();
    try {
        (void)train(base_options(), make_data(30, 1), bad_validation);
        FAIL() << "infinite label accepted";
    } catch (const numeric_error& e) {
        EXPECT_NE(std::string(e.what()).find("validation set: row 3"), std::string::npos) << e.what();
    }
}

TEST(NumericalFaults, LossThatTurnsNonFiniteRestoresTheLastGoodWeights) {
    const Data train_set = make_data(60, 1), validation_set = make_data(20, 2);
    Model<Net> model(3);
    const std::vector<float> initial(model.parameters(), model.parameters() + Net::param_count);
    FitOptions o = base_options();
    o.learning_rate = 1e36;  // the first Adam step moves every weight by ~1e36: the next loss overflows
    o.clip_norm = 0;
    std::ostringstream log;
    o.log = &log;
    const FitHistory h = fit_binary(model, train_set.view(), validation_set.view(), o);
    std::printf("[ fault ] %s\n", h.numerical_fault.c_str());
    EXPECT_FALSE(h.numerical_fault.empty());
    EXPECT_NE(h.numerical_fault.find("restored"), std::string::npos) << h.numerical_fault;
    EXPECT_NE(log.str().find(h.numerical_fault), std::string::npos);
    for (std::size_t i = 0; i < initial.size(); ++i) ASSERT_EQ(model.parameters()[i], initial[i]) << i;
}

}  // namespace
