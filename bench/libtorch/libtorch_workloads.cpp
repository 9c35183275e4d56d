// The reference side of the side-by-side benchmark: the W1, W2 and W3 workloads of
// docs/performance.md ("Workloads") in LibTorch (Debian libtorch-dev), timed the same way as
// canary's side (bench/vs/canary_w1_w3.cpp, bench/vs/canary_w2.cpp): warm-up, then the median of
// repeated runs, at a given thread count. Prints one line per row:
// "<workload> <case> threads=<n> ms=<median>".
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

double median_ms(const std::function<void()>& fn, int warmup, int reps) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        auto a = std::chrono::steady_clock::now();
        fn();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// W1: Conv1d(16->32, k3, p1) + ReLU + MaxPool(2) -> BiLSTM(32->64) -> additive attention -> Linear(128->1).
struct W1Impl : torch::nn::Module {
    torch::nn::Conv1d conv{torch::nn::Conv1dOptions(16, 32, 3).padding(1)};
    torch::nn::LSTM lstm{torch::nn::LSTMOptions(32, 64).batch_first(true).bidirectional(true)};
    torch::nn::Linear proj{128, 64};
    torch::nn::Linear score{torch::nn::LinearOptions(64, 1).bias(false)};
    torch::nn::Linear head{128, 1};
    W1Impl() {
        register_module("conv", conv);
        register_module("lstm", lstm);
        register_module("proj", proj);
        register_module("score", score);
        register_module("head", head);
    }
    torch::Tensor forward(torch::Tensor x) {  // x (B, T, 16)
        auto h = torch::relu(conv->forward(x.transpose(1, 2)));
        h = torch::max_pool1d(h, 2).transpose(1, 2);
        auto seq = std::get<0>(lstm->forward(h));               // (B, T/2, 128)
        auto s = score->forward(torch::tanh(proj->forward(seq))).squeeze(-1);
        auto alpha = torch::softmax(s, 1).unsqueeze(-1);
        auto context = (alpha * seq).sum(1);
        return head->forward(context);
    }
};
TORCH_MODULE(W1);

// W2: per graph GCN(7->32)+ReLU, GCN(32->32)+ReLU, mean over nodes; GRU(32->32) over k graphs;
// Dense(32->16)+ReLU+Dense(16->1). Dense normalised adjacency, batched matmuls.
struct W2Impl : torch::nn::Module {
    torch::nn::Linear g1{torch::nn::LinearOptions(7, 32).bias(false)};
    torch::nn::Linear g2{torch::nn::LinearOptions(32, 32).bias(false)};
    torch::Tensor b1, b2;
    torch::nn::GRU gru{torch::nn::GRUOptions(32, 32).batch_first(true)};
    torch::nn::Linear d1{32, 16}, d2{16, 1};
    W2Impl() {
        register_module("g1", g1);
        register_module("g2", g2);
        b1 = register_parameter("b1", torch::zeros({32}));
        b2 = register_parameter("b2", torch::zeros({32}));
        register_module("gru", gru);
        register_module("d1", d1);
        register_module("d2", d2);
    }
    torch::Tensor forward(torch::Tensor x, torch::Tensor a_norm) {  // x (B, K, N, 7), a (B, K, N, N)
        auto h = torch::relu(torch::matmul(a_norm, g1->forward(x)) + b1);
        h = torch::relu(torch::matmul(a_norm, g2->forward(h)) + b2);
        auto e = h.mean(2);                                          // (B, K, 32)
        auto last = std::get<0>(gru->forward(e)).select(1, -1);      // (B, 32)
        return d2->forward(torch::relu(d1->forward(last)));
    }
};
TORCH_MODULE(W2);

// Transformer (canary::models::transformer_classifier, bench/vs/canary_transformer.cpp): Linear(16->64),
// sinusoidal positions, 2 post-norm TransformerEncoderLayer(64, 4 heads, FF 128, ReLU, dropout 0.1),
// mean over time, Linear(64->1). LibTorch's C++ encoder layer is sequence-first: (T, B, D).
struct TransformerClassifierImpl : torch::nn::Module {
    torch::nn::Linear input_proj{16, 64};
    torch::nn::TransformerEncoderLayer encoder0{torch::nn::TransformerEncoderLayerOptions(64, 4).dim_feedforward(128).dropout(0.1)};
    torch::nn::TransformerEncoderLayer encoder1{torch::nn::TransformerEncoderLayerOptions(64, 4).dim_feedforward(128).dropout(0.1)};
    torch::nn::Linear head{64, 1};
    torch::Tensor pe;
    explicit TransformerClassifierImpl(int64_t max_len = 512) {
        register_module("input_proj", input_proj);
        register_module("encoder0", encoder0);
        register_module("encoder1", encoder1);
        register_module("head", head);
        auto pos = torch::arange(max_len, torch::kFloat).unsqueeze(1);
        auto div = torch::exp(torch::arange(0, 64, 2, torch::kFloat) * (-std::log(10000.0) / 64));
        pe = torch::zeros({max_len, 64});
        pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)}, torch::sin(pos * div));
        pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)}, torch::cos(pos * div));
        pe = register_buffer("pe", pe);
    }
    torch::Tensor forward(torch::Tensor x) {  // x (B, T, 16)
        auto h = input_proj->forward(x) + pe.slice(0, 0, x.size(1));  // (B, T, 64)
        h = h.transpose(0, 1);                                         // (T, B, 64)
        h = encoder1->forward(encoder0->forward(h));
        return head->forward(h.mean(0));                               // (B, 1)
    }
};
TORCH_MODULE(TransformerClassifier);

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
    torch::set_num_threads(threads);
    torch::manual_seed(0);
    auto line = [&](const char* w, const char* c, double ms) { std::printf("%s %s threads=%d ms=%.4f\n", w, c, threads, ms); };

    {  // W1
        W1 model;
        torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
        auto x1 = torch::randn({1, 60, 16}), x256 = torch::randn({256, 60, 16}), x32 = torch::randn({32, 60, 16});
        auto y32 = (torch::rand({32, 1}) < 0.3).to(torch::kFloat);
        model->eval();
        {
            torch::NoGradGuard ng;
            line("W1", "infer_b1", median_ms([&] { model->forward(x1); }, 20, reps * 10));
            line("W1", "infer_b256", median_ms([&] { model->forward(x256); }, 3, reps));
        }
        model->train();
        line("W1", "train_b32", median_ms([&] {
                 opt.zero_grad();
                 auto loss = torch::binary_cross_entropy_with_logits(model->forward(x32), y32);
                 loss.backward();
                 opt.step();
             }, 5, reps));
    }
    {  // W2
        W2 model;
        torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
        const int64_t N = 44, K = 5;
        auto make_adj = [&](int64_t B) {
            auto a = (torch::rand({B, K, N, N}) < 0.2).to(torch::kFloat);
            a = ((a + a.transpose(-1, -2)) > 0).to(torch::kFloat) + torch::eye(N);
            auto d = a.sum(-1).pow(-0.5);
            return d.unsqueeze(-1) * a * d.unsqueeze(-2);
        };
        auto x1 = torch::randn({1, K, N, 7}), a1 = make_adj(1), x8 = torch::randn({8, K, N, 7}), a8 = make_adj(8);
        auto y8 = (torch::rand({8, 1}) < 0.3).to(torch::kFloat);
        {
            torch::NoGradGuard ng;
            line("W2", "infer_b1", median_ms([&] { model->forward(x1, a1); }, 20, reps * 10));
        }
        line("W2", "train_b8", median_ms([&] {
                 opt.zero_grad();
                 auto loss = torch::binary_cross_entropy_with_logits(model->forward(x8, a8), y8);
                 loss.backward();
                 opt.step();
             }, 5, reps));
    }
    {  // W3
        torch::nn::LSTM lstm(torch::nn::LSTMOptions(64, 256).batch_first(true));
        auto x = torch::randn({64, 100, 64});
        {
            torch::NoGradGuard ng;
            line("W3", "forward", median_ms([&] { lstm->forward(x); }, 2, reps));
        }
        auto xg = x.clone().requires_grad_(true);
        line("W3", "forward_backward", median_ms([&] {
                 lstm->zero_grad();
                 auto y = std::get<0>(lstm->forward(xg));
                 y.sum().backward();
             }, 2, reps));
    }
    {  // Transformer: B=32, T=60, d=64, 4 heads, FF 128, 2 layers; forward + BCE + backward + Adam
        TransformerClassifier model;
        torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
        auto x32 = torch::randn({32, 60, 16});
        auto y32 = (torch::rand({32, 1}) < 0.3).to(torch::kFloat);
        model->train();
        line("Transformer", "train_b32", median_ms([&] {
                 opt.zero_grad();
                 auto loss = torch::binary_cross_entropy_with_logits(model->forward(x32), y32);
                 loss.backward();
                 opt.step();
             }, 5, reps));
    }
    return 0;
}
