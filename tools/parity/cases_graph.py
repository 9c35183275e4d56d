"""Graph layer references: torch_geometric's GCNConv written in plain torch (PyG is not installed).

The reference follows PyG 2.x step by step (gcn_conv.py): dense adjacency -> edge_index as
dense_to_sparse does (adj.nonzero(): row = source j, col = target i, weight adj[j, i]);
add_remaining_self_loops (existing loop weights kept, missing loops weight 1); gcn_norm
(deg = scatter-sum of weights at the target col, deg^-1/2 with inf -> 0, norm = dinv[row] w dinv[col]);
x = lin(x) (no bias); message x_j * norm summed at the target by index_add_; + bias.
"""
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
