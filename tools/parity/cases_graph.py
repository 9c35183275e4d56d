"""Graph layer references: torch_geometric's GCNConv and GATConv written in plain torch, so the fixtures
need only python3-torch. The GAT port is checked against torch_geometric 2.5.3's own GATConv whenever
torch_geometric imports (e.g. `pip install --no-deps --target DIR torch_geometric==2.5.3` plus scipy,
tqdm, jinja2, fsspec, then PYTHONPATH=DIR); without it the check is skipped with a note.

The reference follows PyG 2.x step by step (gcn_conv.py): dense adjacency -> edge_index as
dense_to_sparse does (adj.nonzero(): row = source j, col = target i, weight adj[j, i]);
add_remaining_self_loops (existing loop weights kept, missing loops weight 1); gcn_norm
(deg = scatter-sum of weights at the target col, deg^-1/2 with inf -> 0, norm = dinv[row] w dinv[col]);
x = lin(x) (no bias); message x_j * norm summed at the target by index_add_; + bias.
"""
import sys
import warnings

import torch

from torch_cases import case, reinit_


class GCNConvRef(torch.nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = torch.nn.Linear(in_channels, out_channels, bias=False)
        self.bias = torch.nn.Parameter(torch.zeros(out_channels))
        torch.nn.init.xavier_uniform_(self.lin.weight)  # PyG's glorot

    @staticmethod
    def gcn_norm(adj):
        n = adj.shape[0]
        edge_index = adj.nonzero().t()
        row, col = edge_index[0], edge_index[1]
        edge_weight = adj[row, col]
        # add_remaining_self_loops(fill_value=1)
        mask = row != col
        loop_weight = torch.ones(n, dtype=adj.dtype)
        inv = ~mask
        loop_weight[row[inv]] = edge_weight[inv]
        loop_index = torch.arange(n)
        row = torch.cat([row[mask], loop_index])
        col = torch.cat([col[mask], loop_index])
        edge_weight = torch.cat([edge_weight[mask], loop_weight])
        deg = torch.zeros(n, dtype=adj.dtype).index_add_(0, col, edge_weight)
        dinv = deg.pow(-0.5)
        dinv.masked_fill_(dinv == float("inf"), 0)
        return row, col, dinv[row] * edge_weight * dinv[col]

    def forward(self, x, adj):
        row, col, norm = self.gcn_norm(adj)
        h = self.lin(x)
        out = torch.zeros(x.shape[0], h.shape[1], dtype=h.dtype).index_add_(0, col, h[row] * norm[:, None])
        return out + self.bias


def random_adjacency(gen, n, dtype, self_loops=True):
    """Weighted, asymmetric, sparse-ish; some existing self loops; the last node isolated."""
    weights = torch.rand(n, n, generator=gen) * 1.5 + 0.1
    keep = torch.rand(n, n, generator=gen) < 0.4
    adj = torch.where(keep, weights, torch.zeros(()))
    if not self_loops:
        adj.fill_diagonal_(0)
    if n > 1:
        adj[-1, :] = 0
        adj[:, -1] = 0
    return adj.to(dtype)


def _collect(module, x, adj, y, gen, dtype):
    grad_y = torch.randn(y.shape, generator=gen, dtype=dtype)
    y.backward(grad_y)
    weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
    inputs = {"x": x.detach().clone(), "adj": adj.clone(), "grad_y": grad_y}
    outputs = {"y": y.detach().clone(), "grad.x": x.grad.detach().clone()}
    for name, p in module.named_parameters():
        outputs["grad." + name] = p.grad.detach().clone()
    return weights, inputs, outputs


@case("gcn", {"N": 6}, variants=[({"N": 1}, torch.float32), ({"N": 5}, torch.float32),
                                 ({"N": 13}, torch.float32), ({"N": 7}, torch.float64)])
def gcn(gen, dtype, N):
    m = GCNConvRef(7, 32)
    reinit_(m, gen)
    m = m.to(dtype)
    x = torch.randn(N, 7, generator=gen).to(dtype).requires_grad_(True)
    adj = random_adjacency(gen, N, dtype, self_loops=N % 2 == 1)
    return _collect(m, x, adj, m(x, adj), gen, dtype)


class SnapshotGNN(torch.nn.Module):
    """canary::models::srr_snapshot_gnn: GCN(7,64)+ReLU, GCN(64,64)+ReLU, mean over nodes, Linear(64,1)."""

    def __init__(self):
        super().__init__()
        self.gcn1 = GCNConvRef(7, 64)
        self.gcn2 = GCNConvRef(64, 64)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x, adj):
        pooled = []
        for b in range(x.shape[0]):
            h = torch.relu(self.gcn1(x[b], adj[b]))
            h = torch.relu(self.gcn2(h, adj[b]))
            pooled.append(h.mean(dim=0))
        return self.head(torch.stack(pooled))


@case("srr_snapshot_gnn", {"B": 2, "N": 6}, variants=[({"B": 1, "N": 4}, torch.float32),
                                                      ({"B": 3, "N": 9}, torch.float32),
                                                      ({"B": 2, "N": 5}, torch.float64)])
def srr_snapshot_gnn(gen, dtype, B, N):
    m = SnapshotGNN()
    reinit_(m, gen, scale=0.3)
    m = m.to(dtype)
    x = torch.randn(B, N, 7, generator=gen).to(dtype).requires_grad_(True)
    adj = torch.stack([random_adjacency(gen, N, dtype, self_loops=b % 2 == 0) for b in range(B)])
    return _collect(m, x, adj, m(x, adj), gen, dtype)


class TemporalGNN(torch.nn.Module):
    """canary::models::srr_temporal_gnn: per graph GCN(7,64)+ReLU, GCN(64,64)+ReLU, mean over nodes;
    the K embeddings -> nn.GRU(64, 64, batch_first=True) -> Linear(64, 1) on the last hidden state."""

    def __init__(self):
        super().__init__()
        self.gcn1 = GCNConvRef(7, 64)
        self.gcn2 = GCNConvRef(64, 64)
        self.gru = torch.nn.GRU(64, 64, batch_first=True)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x, adj):
        B, K = x.shape[0], x.shape[1]
        emb = []
        for b in range(B):
            steps = []
            for k in range(K):
                h = torch.relu(self.gcn1(x[b, k], adj[b, k]))
                h = torch.relu(self.gcn2(h, adj[b, k]))
                steps.append(h.mean(dim=0))
            emb.append(torch.stack(steps))
        out, h_n = self.gru(torch.stack(emb))
        return self.head(h_n[-1])


@case("srr_temporal_gnn", {"B": 2, "K": 3, "N": 6},
      variants=[({"B": 1, "K": 1, "N": 4}, torch.float32), ({"B": 2, "K": 5, "N": 10}, torch.float32),
                ({"B": 3, "K": 2, "N": 7}, torch.float32), ({"B": 2, "K": 3, "N": 5}, torch.float64)])
def srr_temporal_gnn(gen, dtype, B, K, N):
    m = TemporalGNN()
    reinit_(m, gen, scale=0.3)
    m = m.to(dtype)
    x = torch.randn(B, K, N, 7, generator=gen).to(dtype).requires_grad_(True)
    adj = torch.stack([torch.stack([random_adjacency(gen, N, dtype, self_loops=(b + k) % 2 == 0) for k in range(K)])
                       for b in range(B)])
    return _collect(m, x, adj, m(x, adj), gen, dtype)


class GATConvRef(torch.nn.Module):
    """torch_geometric.nn.GATConv(in, out, heads, concat) 2.5.3 with its defaults (negative_slope 0.2,
    dropout 0, add_self_loops, no edge_dim, bias), step by step (gat_conv.py, utils/_softmax.py):
    dense adj -> edge_index as adj.nonzero() (row = source j, col = target i; weights dropped);
    remove_self_loops then add_self_loops; x = lin(x).view(-1, H, C); alpha_src / alpha_dst =
    (x * att).sum(-1); alpha = leaky_relu(alpha_src[row] + alpha_dst[col]); softmax grouped by the
    target (max detached, + 1e-16 in the denominator); message alpha x_j summed at the target;
    heads concatenated or averaged; + bias."""

    def __init__(self, in_channels, out_channels, heads=1, concat=True):
        super().__init__()
        self.heads, self.out_channels, self.concat = heads, out_channels, concat
        self.lin = torch.nn.Linear(in_channels, heads * out_channels, bias=False)
        self.att_src = torch.nn.Parameter(torch.zeros(1, heads, out_channels))
        self.att_dst = torch.nn.Parameter(torch.zeros(1, heads, out_channels))
        self.bias = torch.nn.Parameter(torch.zeros(heads * out_channels if concat else out_channels))

    def forward(self, x, adj):
        n, H, C = x.shape[0], self.heads, self.out_channels
        row, col = adj.nonzero().t()
        keep = row != col
        loops = torch.arange(n)
        row, col = torch.cat([row[keep], loops]), torch.cat([col[keep], loops])
        h = self.lin(x).view(-1, H, C)
        a_src = (h * self.att_src).sum(-1)
        a_dst = (h * self.att_dst).sum(-1)
        alpha = torch.nn.functional.leaky_relu(a_src[row] + a_dst[col], 0.2)
        index = col[:, None].expand(-1, H)
        with warnings.catch_warnings():  # torch 1.13 warns that scatter_reduce is in beta
            warnings.simplefilter("ignore")
            amax = torch.full((n, H), float("-inf"), dtype=x.dtype).scatter_reduce(0, index, alpha.detach(), "amax")
        e = (alpha - amax[col]).exp()
        z = torch.zeros(n, H, dtype=x.dtype).index_add_(0, col, e) + 1e-16
        alpha = e / z[col]
        out = torch.zeros(n, H, C, dtype=x.dtype).index_add_(0, col, h[row] * alpha[..., None])
        out = out.reshape(n, H * C) if self.concat else out.mean(dim=1)
        return out + self.bias


_PYG_NOTE = []


def _check_against_pyg(make_pyg, ref, x, adj, grad_y, outputs, dtype):
    """Runs torch_geometric's own module (same weights, same inputs) and asserts the port agrees."""
    try:
        import torch_geometric  # noqa: F401
    except ImportError:
        if not _PYG_NOTE:
            _PYG_NOTE.append(1)
            print("note: torch_geometric not importable; the GAT port is not cross-checked", file=sys.stderr)
        return
    pyg = make_pyg().to(dtype)
    pyg.load_state_dict(ref.state_dict())
    xp = x.detach().clone().requires_grad_(True)
    y = pyg(xp, adj)
    y.backward(grad_y)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    got = {"y": y, "grad.x": xp.grad}
    for name, p in pyg.named_parameters():
        got["grad." + name] = p.grad
    for k, v in got.items():
        ref_v = outputs[k]
        err = (v.detach() - ref_v).abs().max().item() / max(1.0, ref_v.abs().max().item())
        assert err <= tol, f"torch_geometric disagrees with the port on {k}: {err}"


def _pyg_gat(in_channels, out_channels, heads, concat):
    from torch_geometric.nn import GATConv

    class Dense(torch.nn.Module):
        """PyG's GATConv on a dense adjacency (edge_index = adj.nonzero().t(), no weights)."""

        def __init__(self):
            super().__init__()
            self.conv = GATConv(in_channels, out_channels, heads=heads, concat=concat)

        def forward(self, x, adj):
            return self.conv(x, adj.nonzero().t())

        def load_state_dict(self, sd):
            return self.conv.load_state_dict(sd)

        def named_parameters(self):
            return self.conv.named_parameters()

    return Dense()


def _gat_case(gen, dtype, N, heads, concat):
    m = GATConvRef(7, 8, heads=heads, concat=concat)
    reinit_(m, gen)
    m = m.to(dtype)
    x = torch.randn(N, 7, generator=gen).to(dtype).requires_grad_(True)
    adj = random_adjacency(gen, N, dtype, self_loops=N % 2 == 1)
    weights, inputs, outputs = _collect(m, x, adj, m(x, adj), gen, dtype)
    _check_against_pyg(lambda: _pyg_gat(7, 8, heads, concat), m, inputs["x"], adj, inputs["grad_y"], outputs, dtype)
    return weights, inputs, outputs


@case("gat", {"N": 6}, variants=[({"N": 1}, torch.float32), ({"N": 5}, torch.float32),
                                 ({"N": 13}, torch.float32), ({"N": 7}, torch.float64)])
def gat(gen, dtype, N):
    """GATConv(7, 8, heads=4): y (N, 32)."""
    return _gat_case(gen, dtype, N, heads=4, concat=True)


@case("gat_mean", {"N": 6}, variants=[({"N": 5}, torch.float32), ({"N": 9}, torch.float32),
                                      ({"N": 6}, torch.float64)])
def gat_mean(gen, dtype, N):
    """GATConv(7, 8, heads=3, concat=False): the mean over heads, y (N, 8)."""
    return _gat_case(gen, dtype, N, heads=3, concat=False)


class SnapshotGAT(torch.nn.Module):
    """canary::models::srr_snapshot_gat: GAT(7 -> 4 heads of 16)+ReLU, GAT(64 -> 4 heads of 16)+ReLU,
    mean over nodes, Linear(64, 1)."""

    def __init__(self, make=GATConvRef):
        super().__init__()
        self.gat1 = make(7, 16, heads=4)
        self.gat2 = make(64, 16, heads=4)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x, adj):
        pooled = []
        for b in range(x.shape[0]):
            h = torch.relu(self.gat1(x[b], adj[b]))
            h = torch.relu(self.gat2(h, adj[b]))
            pooled.append(h.mean(dim=0))
        return self.head(torch.stack(pooled))


@case("srr_snapshot_gat", {"B": 2, "N": 6}, variants=[({"B": 2, "N": 5}, torch.float32),
                                                      ({"B": 3, "N": 8}, torch.float32),
                                                      ({"B": 2, "N": 4}, torch.float64)])
def srr_snapshot_gat(gen, dtype, B, N):
    m = SnapshotGAT()
    reinit_(m, gen, scale=0.3)
    m = m.to(dtype)
    x = torch.randn(B, N, 7, generator=gen).to(dtype).requires_grad_(True)
    adj = torch.stack([random_adjacency(gen, N, dtype, self_loops=b % 2 == 0) for b in range(B)])
    return _collect(m, x, adj, m(x, adj), gen, dtype)
