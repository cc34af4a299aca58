"""E(3)-equivariant message passing (NequIP-style), with e3nn's spherical harmonics and
Clebsch-Gordan coefficients.

Every atom carries features of several angular momenta l: scalars (l = 0), vectors (l = 1) and rank-2
tensors (l = 2). They are packed as [n_atoms, channels, sum_l (2l + 1)] (l = 0, 1, 2 -> 1 + 3 + 5
components). Rotating the molecule by Q multiplies each l-block by the Wigner matrix D^l(Q). One layer
(``InteractionLayer.forward``):

    m_IJ = sum over paths (l1, l2 -> l3)  R_path(|r_IJ|) * CG[l1 l2 l3] . (W_in h_J)^(l1) . Y^(l2)(r_IJ/|r_IJ|)
    a_I  = W_out( sum_J m_IJ / n_avg ) + W_self h_I
    h_I' = Gate(a_I):   scalars s -> s * sigmoid(s) (SiLU),   each l > 0 block -> block * sigmoid(W_gate s + b)

The Clebsch-Gordan coefficients (e3nn's wigner_3j) couple l1 and l2 into l3, so each message is
equivariant; R is a learned function of the distance that vanishes smoothly at the cutoff; n_avg is
the average number of neighbours in the training data (a constant, not each atom's own count); the
linear maps W_in, W_out, W_self mix channels within each l only (W_self, the self-connection, acts on
the orders a layer both takes and returns, and is added before the gate); the gate of an l > 0 block
is a sigmoid of an affine map of the same atom's scalars s, taken from a_I.
Only parity-consistent paths (l1 + l2 + l3 even: features 0e, 1o, 2e) are kept, so reflections are
respected too. After the last layer the scalar channels give an invariant atomic energy, E = sum_I E_I.

All paths of a layer are contracted at once through one dense coupling tensor (a few large operations
per layer instead of many small ones): the same mathematics as e3nn's TensorProduct, fewer kernel
launches, which is what makes small molecules fast on a CPU and large batches fast on a GPU.
Reference: S. Batzner et al., Nat. Commun. 13, 2453 (2022) (NequIP); M. Geiger, T. Smidt, e3nn (2022).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from e3nn import o3
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.base import AtomisticModel
from nnpes_core.models.layers import BesselBasis, mlp, polynomial_cutoff, scatter_sum


def component_l(l_values: Sequence[int]) -> list[int]:
    """The l of every packed component: [0, 1, 2] -> [0, 1, 1, 1, 2, 2, 2, 2, 2]."""
    return [l for l in l_values for _ in range(2 * l + 1)]


def coupling_paths(l_in: Sequence[int], l_filter: int, l_out: Sequence[int]) -> list[tuple[int, int, int]]:
    """All (l1, l2, l3) with |l1 - l2| <= l3 <= l1 + l2 and even l1 + l2 + l3 (parity kept)."""
    return [(l1, l2, l3) for l1 in l_in for l2 in range(l_filter + 1) for l3 in l_out
            if abs(l1 - l2) <= l3 <= l1 + l2 and (l1 + l2 + l3) % 2 == 0]


def coupling_tensor(l_in: Sequence[int], l_filter: int, l_out: Sequence[int]) -> tuple[torch.Tensor, list]:
    """Clebsch-Gordan blocks of every path in one tensor, [D_sh, D_in * n_paths, D_out].

    Laid out so that contracting with the spherical harmonics gives, per edge, a matrix that maps
    (input component, path) to output components.
    """
    paths = coupling_paths(l_in, l_filter, l_out)
    start = lambda ls, l: sum(2 * k + 1 for k in ls if k < l)  # first component of l in a packing
    d_in, d_out = len(component_l(l_in)), len(component_l(l_out))
    d_sh = (l_filter + 1) ** 2
    coupling = torch.zeros(d_sh, d_in, len(paths), d_out)
    paths_into = {l3: sum(1 for p in paths if p[2] == l3) for l3 in l_out}
    for p, (l1, l2, l3) in enumerate(paths):
        # sqrt(2 l3 + 1): "component" normalisation; 1/sqrt(#paths into l3) keeps the sum O(1)
        block = o3.wigner_3j(l1, l2, l3) * math.sqrt((2 * l3 + 1) / paths_into[l3])  # [2l1+1, 2l2+1, 2l3+1]
        i, j, k = start(l_in, l1), l2 * l2, start(l_out, l3)
        coupling[j:j + 2 * l2 + 1, i:i + 2 * l1 + 1, p, k:k + 2 * l3 + 1] = block.permute(1, 0, 2)
    return coupling.reshape(d_sh, d_in * len(paths), d_out), paths


# l = 2 harmonics are linear in the monomials u_a u_b of the unit vector: Y2 = (u u^T).flatten() @ L2.
# Rows: xx, xy, xz, yx, yy, yz, zx, zy, zz; columns in e3nn's order (component normalisation):
# sqrt(15) xz, sqrt(15) xy, sqrt(5) (y^2 - (x^2 + z^2) / 2), sqrt(15) yz, sqrt(15) (z^2 - x^2) / 2.
_S15, _S5 = math.sqrt(15.0), math.sqrt(5.0)
_L2 = torch.tensor(dtype=torch.float64, data=[
    [0, 0, -_S5 / 2, 0, -_S15 / 2],
    [0, _S15 / 2, 0, 0, 0],
    [_S15 / 2, 0, 0, 0, 0],
    [0, _S15 / 2, 0, 0, 0],
    [0, 0, _S5, 0, 0],
    [0, 0, 0, _S15 / 2, 0],
    [_S15 / 2, 0, 0, 0, 0],
    [0, 0, 0, _S15 / 2, 0],
    [0, 0, -_S5 / 2, 0, _S15 / 2],
])


def spherical_harmonics(vectors: torch.Tensor, l_max: int) -> torch.Tensor:
    """Real spherical harmonics Y_lm(r/|r|) for l <= 2, [n, (l_max + 1)^2], exactly as e3nn's
    ``o3.spherical_harmonics(..., normalize=True, normalization="component")`` (checked in the tests),
    written as a few matrix operations because it runs on every edge at every step."""
    unit = vectors / vectors.norm(dim=-1, keepdim=True)
    parts = [torch.ones_like(unit[:, :1])]
    if l_max >= 1:
        parts.append(math.sqrt(3.0) * unit)
    if l_max >= 2:
        outer = (unit.unsqueeze(-1) * unit.unsqueeze(-2)).flatten(1)  # [n, 9]
        parts.append(outer @ _L2.to(unit.dtype))
    if l_max > 2:
        return o3.spherical_harmonics(list(range(l_max + 1)), vectors, True, "component")
    return torch.cat(parts, dim=1)


class ChannelMixing(nn.Module):
    """A linear map over channels for each l separately (mixing different l would break equivariance).

    out[n, v, m] = sum_u W_l[u, v] x[n, u, m] for the 2l + 1 components m of each l: one small matrix
    product per l, the same weights for every m of an l.
    """

    def __init__(self, l_values: Sequence[int], channels_in: int, channels_out: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(len(l_values), channels_in, channels_out) / math.sqrt(channels_in))
        self.blocks = [(sum(2 * k + 1 for k in l_values[:index]), 2 * l + 1) for index, l in enumerate(l_values)]

    def forward(self, features: torch.Tensor) -> torch.Tensor:  # [n, u, D] -> [n, v, D]
        transposed = features.transpose(1, 2)  # [n, D, u]: channels last, for matmul
        parts = [transposed[:, start:start + size] @ weight
                 for (start, size), weight in zip(self.blocks, self.weight)]
        mixed = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        return mixed.transpose(1, 2)  # [n, v, D]


class InteractionLayer(nn.Module):
    """One round of equivariant message passing (see the module docstring)."""

    def __init__(self, l_in: Sequence[int], l_out: Sequence[int], l_filter: int, channels: int,
                 n_basis: int, radial_hidden: int):
        super().__init__()
        coupling, self.paths = coupling_tensor(l_in, l_filter, l_out)
        self.register_buffer("coupling", coupling)
        self.channels, self.d_out = channels, len(component_l(l_out))
        self.radial = mlp([n_basis, radial_hidden, radial_hidden, channels * len(self.paths)])
        self.mix_in = ChannelMixing(l_in, channels, channels)
        self.mix_out = ChannelMixing(l_out, channels, channels)
        kept = [l for l in l_out if l in l_in]
        self.self_connection = ChannelMixing(kept, channels, channels)
        self.self_slice = len(component_l(kept))  # the packings agree on their common leading l's
        # gates: l > 0 channels are multiplied by sigmoid(linear(scalars)); scalars by sigmoid(self) (SiLU)
        n_gated = len(l_out) - 1
        self.gates = nn.Linear(channels, channels * n_gated) if n_gated else None
        self.register_buffer("gate_of_component",
                             torch.tensor([max(l_out.index(l) - 1, 0) for l in component_l(l_out)][1:]),
                             persistent=False)

    def forward(self, features, centers, neighbors, harmonics, radial_basis, envelope, n_neighbors):
        """features [n_atoms, u, D_in], harmonics [n_edges, D_sh] -> [n_atoms, u, D_out]."""
        n_edges, n_atoms = len(centers), len(features)
        # the envelope multiplies the learned radial function itself, so every message (biases
        # included) fades smoothly to exactly zero at the cutoff; weights [e, u, 1, paths]
        weights = (self.radial(radial_basis) * envelope).view(n_edges, self.channels, 1, len(self.paths))
        sending = self.mix_in(features)[neighbors]  # h_J on each edge, [e, u, D_in]
        # per edge: coupling . Y -> matrix from (input component, path) to output component
        couple = (harmonics @ self.coupling.flatten(1)).view(n_edges, -1, self.d_out)
        weighted = (sending.unsqueeze(-1) * weights).flatten(2)  # [e, u, D_in * paths]
        messages = torch.bmm(weighted, couple)  # [e, u, D_out]
        out = self.mix_out(scatter_sum(messages, centers, n_atoms) / n_neighbors)
        if self.self_slice:
            residual = self.self_connection(features[:, :, : self.self_slice])
            out = torch.cat([out[:, :, : self.self_slice] + residual, out[:, :, self.self_slice:]], dim=2)
        scalars = out[:, :, :1]
        if self.gates is None:
            return scalars * torch.sigmoid(scalars)
        gates = self.gates(scalars.squeeze(-1)).view(n_atoms, self.channels, -1)
        gate = torch.cat([scalars, gates[:, :, self.gate_of_component]], dim=2)
        return out * torch.sigmoid(gate)


class EquivariantMPNN(AtomisticModel):
    kind = "equivariant"

    def __init__(
        self,
        elements: Sequence[int],
        cutoff_radius: float = 5.0,
        channels: int = 32,
        l_max: int = 2,
        n_layers: int = 2,
        n_basis: int = 8,
        radial_hidden: int = 32,
        average_neighbors: float = 2.0,
    ):
        super().__init__(elements, cutoff_radius)
        self.hyper = dict(channels=channels, l_max=l_max, n_layers=n_layers, n_basis=n_basis,
                          radial_hidden=radial_hidden, average_neighbors=average_neighbors)
        self.l_max = l_max
        self.embedding = nn.Linear(self.n_elements, channels, bias=False)
        self.radial_basis = BesselBasis(cutoff_radius, n_basis)
        layers, l_in = [], [0]
        for index in range(n_layers):
            # the last layer only needs scalars out: the energy is read from them
            l_out = list(range(l_max + 1)) if index < n_layers - 1 else [0]
            layers.append(InteractionLayer(l_in, l_out, l_max, channels, n_basis, radial_hidden))
            l_in = l_out
        self.layers = nn.ModuleList(layers)
        self.readout = mlp([channels, channels, 1])

    def config(self) -> dict:
        return dict(elements=self.elements, cutoff_radius=self.cutoff_radius, **self.hyper)

    def node_features(self, batch: AtomicBatch) -> list[torch.Tensor]:
        """Features of every atom after each layer, [n_atoms, channels, D] (D = 9 for l = 0, 1, 2)."""
        centers, neighbors = batch.edge_index
        vectors = batch.edge_vectors()  # [n_edges, 3]
        distance = vectors.norm(dim=-1)
        harmonics = spherical_harmonics(vectors, self.l_max)  # [n_edges, (l_max + 1)^2]
        envelope = polynomial_cutoff(distance, self.cutoff_radius).unsqueeze(-1)  # [n_edges, 1]
        radial_basis = self.radial_basis(distance)  # [n_edges, n_basis]
        one_hot = nn.functional.one_hot(self.species(batch.numbers), self.n_elements)
        features = self.embedding(one_hot.to(vectors.dtype)).unsqueeze(-1)  # [n_atoms, u, 1]
        history = []
        for layer in self.layers:
            features = layer(features, centers, neighbors, harmonics, radial_basis, envelope,
                             self.hyper["average_neighbors"])
            history.append(features)
        return history

    def raw_atomic_energies(self, batch: AtomicBatch) -> torch.Tensor:
        scalars = self.node_features(batch)[-1][:, :, 0]  # [n_atoms, channels]
        return self.readout(scalars).squeeze(-1)

    @torch.no_grad()
    def fit_to_data(self, batch: AtomicBatch, use_energies: bool = True) -> None:
        super().fit_to_data(batch, use_energies)
        self.hyper["average_neighbors"] = max(1.0, batch.edge_index.shape[1] / batch.n_atoms)
