"""Recurrent layer references: torch.nn.LSTM and torch.nn.GRU with batch_first=True.

Plain cases (lstm, gru, bilstm, lstm_stacked) compare the output sequence and all gradients.
The *_state cases also feed an initial state (inputs h0[, c0]) and backpropagate upstream
gradients into the final states (inputs grad_hn[, grad_cn]); they compare the final states as
aux.h_n / aux.c_n and the initial-state gradients as aux.grad_h0 / aux.grad_c0.
Weights are drawn from U(-1/sqrt(H), 1/sqrt(H)) (torch's default range) so that gates do not
saturate and the comparison exercises every part of the cell.
"""
import torch

from torch_cases import case, reinit_, run_module


def _sequence_case(module, gen, dtype, B, T):
    reinit_(module, gen, scale=module.hidden_size ** -0.5)
    x = torch.randn(B, T, module.input_size, generator=gen)
    return run_module(module, x, gen, dtype, forward=lambda m, x: (m(x)[0], {}))


@case("lstm", {"B": 4, "T": 6}, variants=[({"B": 4, "T": 6}, torch.float32), ({"B": 1, "T": 1}, torch.float32),
                                          ({"B": 3, "T": 11}, torch.float32)])
def lstm(gen, dtype, B, T):
    return _sequence_case(torch.nn.LSTM(32, 64, batch_first=True), gen, dtype, B, T)


@case("gru", {"B": 4, "T": 6}, variants=[({"B": 4, "T": 6}, torch.float32), ({"B": 1, "T": 1}, torch.float32),
                                         ({"B": 5, "T": 13}, torch.float32), ({"B": 2, "T": 3}, torch.float64)])
def gru(gen, dtype, B, T):
    return _sequence_case(torch.nn.GRU(32, 32, batch_first=True), gen, dtype, B, T)


# nn.LSTM(32, 64, bidirectional) has 50k parameters: one fixture (~400 KB); parity_check.py covers
# random shapes, bilstm_small the shape variety in the committed fixtures.
@case("bilstm", {"B": 2, "T": 5}, variants=[({"B": 2, "T": 5}, torch.float32)])
def bilstm(gen, dtype, B, T):
    return _sequence_case(torch.nn.LSTM(32, 64, batch_first=True, bidirectional=True), gen, dtype, B, T)


@case("bilstm_small", {"B": 3, "T": 7}, variants=[({"B": 3, "T": 7}, torch.float32), ({"B": 1, "T": 1}, torch.float32),
                                                  ({"B": 2, "T": 4}, torch.float64)])
def bilstm_small(gen, dtype, B, T):
    return _sequence_case(torch.nn.LSTM(8, 16, batch_first=True, bidirectional=True), gen, dtype, B, T)


@case("bigru_small", {"B": 3, "T": 7}, variants=[({"B": 3, "T": 7}, torch.float32), ({"B": 1, "T": 1}, torch.float32)])
def bigru_small(gen, dtype, B, T):
    return _sequence_case(torch.nn.GRU(8, 16, batch_first=True, bidirectional=True), gen, dtype, B, T)


@case("lstm_stacked", {"B": 3, "T": 5}, variants=[({"B": 3, "T": 5}, torch.float32), ({"B": 1, "T": 1}, torch.float32),
                                                  ({"B": 2, "T": 4}, torch.float64)])
def lstm_stacked(gen, dtype, B, T):
    return _sequence_case(torch.nn.LSTM(8, 16, num_layers=2, batch_first=True), gen, dtype, B, T)


def _state_case(module, gen, dtype, B, T):
    """Initial state in, final states out, gradients through both."""
    reinit_(module, gen, scale=module.hidden_size ** -0.5)
    module = module.to(dtype)
    is_lstm = isinstance(module, torch.nn.LSTM)
    slots = module.num_layers * (2 if module.bidirectional else 1)
    x = torch.randn(B, T, module.input_size, generator=gen).to(dtype).requires_grad_(True)
    h0 = torch.randn(slots, B, module.hidden_size, generator=gen).to(dtype).requires_grad_(True)
    c0 = torch.randn(slots, B, module.hidden_size, generator=gen).to(dtype).requires_grad_(True)
    if is_lstm:
        y, (hn, cn) = module(x, (h0, c0))
        finals = [hn, cn]
    else:
        y, hn = module(x, h0)
        finals = [hn]
    grads = [torch.randn(t.shape, generator=gen, dtype=dtype) for t in [y] + finals]
    torch.autograd.backward([y] + finals, grads)
    weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
    inputs = {"x": x.detach().clone(), "h0": h0.detach().clone(), "grad_y": grads[0], "grad_hn": grads[1]}
    outputs = {"y": y.detach().clone(), "grad.x": x.grad.clone(), "aux.h_n": hn.detach().clone(),
               "aux.grad_h0": h0.grad.clone()}
    if is_lstm:
        inputs.update({"c0": c0.detach().clone(), "grad_cn": grads[2]})
        outputs.update({"aux.c_n": cn.detach().clone(), "aux.grad_c0": c0.grad.clone()})
    for name, p in module.named_parameters():
        outputs["grad." + name] = p.grad.detach().clone()
    return weights, inputs, outputs


@case("lstm_state", {"B": 3, "T": 5}, variants=[({"B": 3, "T": 5}, torch.float32), ({"B": 2, "T": 1}, torch.float32),
                                                ({"B": 2, "T": 4}, torch.float64)])
def lstm_state(gen, dtype, B, T):
    return _state_case(torch.nn.LSTM(8, 16, batch_first=True), gen, dtype, B, T)


@case("bilstm_stacked_state", {"B": 3, "T": 5}, variants=[({"B": 3, "T": 5}, torch.float32),
                                                          ({"B": 1, "T": 1}, torch.float32)])
def bilstm_stacked_state(gen, dtype, B, T):
    return _state_case(torch.nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True), gen, dtype, B, T)


@case("bigru_stacked_state", {"B": 3, "T": 5}, variants=[({"B": 3, "T": 5}, torch.float32),
                                                         ({"B": 1, "T": 1}, torch.float32),
                                                         ({"B": 2, "T": 3}, torch.float64)])
def bigru_stacked_state(gen, dtype, B, T):
    return _state_case(torch.nn.GRU(8, 16, num_layers=2, bidirectional=True, batch_first=True), gen, dtype, B, T)
