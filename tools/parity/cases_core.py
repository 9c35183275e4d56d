"""Core layer references: dense (torch.nn.Linear)."""
import torch

from torch_cases import case, reinit_, run_module


@case("dense", {"B": 4}, variants=[({"B": 1}, torch.float32), ({"B": 5}, torch.float32),
                                   ({"B": 17}, torch.float32), ({"B": 3}, torch.float64)])
def dense(gen, dtype, B):
    m = reinit_(torch.nn.Linear(32, 16), gen)
    x = torch.randn(B, 32, generator=gen)
    return run_module(m, x, gen, dtype)


def _loss_case(gen, dtype, B, loss_fn, **extra):
    x = (torch.randn(B, 1, generator=gen) * 3).to(dtype).requires_grad_(True)
    target = (torch.rand(B, 1, generator=gen) < 0.4).to(dtype)
    y = loss_fn(x, target)
    grad_y = torch.randn((), generator=gen, dtype=dtype)
    y.backward(grad_y)
    inputs = {"x": x.detach().clone(), "target": target, "grad_y": grad_y}
    inputs.update({k: torch.tensor([v], dtype=dtype) for k, v in extra.items()})
    return {}, inputs, {"y": y.detach().clone(), "grad.x": x.grad.detach().clone()}


_LOSS_VARIANTS = [({"B": 1}, torch.float32), ({"B": 16}, torch.float32), ({"B": 9}, torch.float64)]


@case("loss_bce_with_logits", {"B": 8}, variants=_LOSS_VARIANTS)
def loss_bce(gen, dtype, B):
    pos_weight = 2.5
    fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([pos_weight], dtype=dtype))
    return _loss_case(gen, dtype, B, fn, pos_weight=pos_weight)


@case("loss_focal", {"B": 8}, variants=_LOSS_VARIANTS)
def loss_focal(gen, dtype, B):
    alpha, gamma = 0.25, 2.0

    def focal(inputs, targets):  # torchvision.ops.sigmoid_focal_loss, reduction="mean"
        p = torch.sigmoid(inputs)
        ce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce * ((1 - p_t) ** gamma)
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        return (alpha_t * loss).mean()
    return _loss_case(gen, dtype, B, focal, alpha=alpha, gamma=gamma)


@case("loss_mse", {"B": 8}, variants=_LOSS_VARIANTS)
def loss_mse(gen, dtype, B):
    return _loss_case(gen, dtype, B, torch.nn.MSELoss())
