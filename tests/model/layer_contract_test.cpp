// The layer contract (docs/layer-contract.md) over every layer of the library: each satisfies
// canary::Layer, and the parameter names a model collects tile its flat buffer exactly (the part
// of the contract that visit_params-based composites can only show at run time).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "canary/layers.hpp"
#include "canary/model/model.hpp"

using namespace canary;

namespace {

struct NoParams {
    static constexpr canary::index in_width = any_width;
    static constexpr canary::index out_width = any_width;
    static constexpr canary::index param_count = 0;
    std::string name() const { return "NoParams"; }
    template <class T, class B>
    Var<T> forward(Tape<T, B>&, ParamSpan<T>, const Var<T>& x) const {
        return x;
    }
};

// Tensors listed out of buffer order still tile: the array's order is the state-dict order.
struct ReorderedSpecs {
    static constexpr canary::index in_width = 2;
    static constexpr canary::index out_width = 3;
    static constexpr canary::index param_count = 9;
    static constexpr std::array<ParamSpec, 2> param_specs{{{"bias", Shape{3}, 6}, {"weight", Shape{3, 2}, 0}}};
    std::string name() const { return "ReorderedSpecs"; }
    template <class T>
    void init(ParamSpan<T> p, Rng& rng) const {
        uniform_fill(p.val, param_count, 1.0, rng);
    }
    template <class T, class B>
    Var<T> forward(Tape<T, B>&, ParamSpan<T>, const Var<T>& x) const {
        return x;
    }
};

struct OverlappingSpecs {
    static constexpr canary::index param_count = 9;
    static constexpr std::array<ParamSpec, 2> param_specs{{{"weight", Shape{3, 2}, 0}, {"bias", Shape{3}, 5}}};
};
struct OverrunningSpecs {
    static constexpr canary::index param_count = 9;
    static constexpr std::array<ParamSpec, 2> param_specs{{{"weight", Shape{3, 2}, 0}, {"bias", Shape{3}, 7}}};
};

struct NotALayer {};

}  // namespace

static_assert(Layer<NoParams>, "a parameterless layer needs neither init nor names");
static_assert(Layer<ReorderedSpecs>);
static_assert(!Layer<NotALayer>, "a type without the widths is not a layer, and not an error");
static_assert(!Layer<int>);
static_assert(detail::param_specs_cover<ReorderedSpecs>() == 9);
static_assert(detail::param_specs_cover<OverlappingSpecs>() == -1);
static_assert(detail::param_specs_cover<OverrunningSpecs>() == -1);

// Every layer of the library, in the configurations the tests and models use.
static_assert(Layer<Dense<3, 2>> && Layer<Dense<3, 2, false>>);
static_assert(Layer<ReLU> && Layer<Sigmoid> && Layer<Tanh> && Layer<GELU> && Layer<LeakyReLU> && Layer<Dropout>);
static_assert(Layer<Conv1D<3, 4, 3>> && Layer<Conv1D<3, 4, 3, 2, 2>> && Layer<PaddedConv1D<3, 4, 3, 1>>);
static_assert(Layer<LSTM<3, 4, 2>> && Layer<GRU<3, 4>> && Layer<Bidirectional<LSTM<3, 4, 2>>>);
static_assert(Layer<LayerNorm<4>> && Layer<MultiHeadAttention<8, 2>> && Layer<TemporalAttention<4, 3>>);
static_assert(Layer<SinusoidalPositionalEncoding<4>> && Layer<LearnedPositionalEncoding<4, 10>>);
static_assert(Layer<MaxPool1D<2>> && Layer<AvgPool1D<2>> && Layer<LastStep>);
static_assert(Layer<GCNConv<3, 4>> && Layer<GlobalPool<GraphReduce::mean>>);
static_assert(Layer<TemporalBlock<3, 4, 3, 2>> && Layer<TCN<3, 3, 4, 4>>);
static_assert(Layer<TransformerEncoderLayer<8, 2, 12>> && Layer<TimeDistributed<Sequential<GCNConv<3, 4>, ReLU>>>);
static_assert(Layer<Named<"fc", Dense<3, 2>>> && Layer<Sequential<Dense<3, 2>, ReLU>>);

namespace {

/// Fails unless the named parameters of Model<Net> are disjoint and cover [0, param_count).
template <class Net>
void expect_names_tile_buffer() {
    Model<Net, double> model(3);
    std::vector<std::pair<canary::index, canary::index>> ranges;
    canary::index total = 0;
    for (const auto& p : model.named_parameters()) {
        ranges.emplace_back(p.offset, p.offset + p.shape.numel());
        total += p.shape.numel();
    }
    std::sort(ranges.begin(), ranges.end());
    canary::index next = 0;
    for (const auto& [begin, end] : ranges) {
        EXPECT_EQ(begin, next) << model.net().name() << ": a gap or overlap at offset " << next;
        next = end;
    }
    EXPECT_EQ(next, Net::param_count) << model.net().name();
    EXPECT_EQ(total, Net::param_count) << model.net().name();
}

}  // namespace

TEST(LayerContract, LeafLayerNamesTileTheBuffer) {
    expect_names_tile_buffer<Dense<3, 2>>();
    expect_names_tile_buffer<Dense<3, 2, false>>();
    expect_names_tile_buffer<Conv1D<3, 4, 3>>();
    expect_names_tile_buffer<LSTM<3, 4, 2>>();
    expect_names_tile_buffer<GRU<3, 4, 2>>();
    expect_names_tile_buffer<Bidirectional<GRU<3, 4, 2>>>();
    expect_names_tile_buffer<LayerNorm<4>>();
    expect_names_tile_buffer<MultiHeadAttention<8, 2>>();
    expect_names_tile_buffer<TemporalAttention<4, 3>>();
    expect_names_tile_buffer<LearnedPositionalEncoding<4, 10>>();
    expect_names_tile_buffer<GCNConv<3, 4>>();
    expect_names_tile_buffer<ReorderedSpecs>();
}

TEST(LayerContract, CompositeNamesTileTheBuffer) {
    expect_names_tile_buffer<TemporalBlock<3, 4, 3, 2>>();  // with a downsample convolution
    expect_names_tile_buffer<TemporalBlock<4, 4, 3, 1>>();  // without
    expect_names_tile_buffer<TCN<3, 3, 4, 5>>();
    expect_names_tile_buffer<TransformerEncoderLayer<8, 2, 12>>();
    expect_names_tile_buffer<TimeDistributed<Sequential<Named<"gcn", GCNConv<3, 4>>, ReLU, GlobalPool<GraphReduce::mean>>>>();
    expect_names_tile_buffer<Sequential<Named<"fc", Dense<3, 4>>, ReLU, LSTM<4, 2>, Dense<2, 1>>>();
}

TEST(LayerContract, InitDrawsEveryParameterOfALayerWithParameters) {
    // A layer's init must reach all param_count values: none may stay at the buffer's zero.
    Model<ReorderedSpecs, double> model(11);
    for (canary::index i = 0; i < ReorderedSpecs::param_count; ++i) EXPECT_NE(model.parameters()[i], 0.0) << "value " << i;
}
