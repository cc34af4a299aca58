"""Behler-Parrinello network: invariant symmetry functions + one small MLP per element.

Each atom I is described by a fingerprint of its neighbourhood within the cutoff r_c, built only from
distances and angles (so it cannot change under rotation or translation) and summed over neighbours
(so it cannot depend on their order):

    G2_I(eta, r_s)        = sum_J  exp(-eta (r_IJ - r_s)^2) f_c(r_IJ)
    G4_I(eta, zeta, lam)  = 2^(1-zeta) sum_{J<K} (1 + lam cos theta_JIK)^zeta
                            exp(-eta (r_IJ^2 + r_IK^2 + r_JK^2)) f_c(r_IJ) f_c(r_IK) f_c(r_JK)

with separate sums for each neighbour element (G2) and element pair (G4). An MLP for the element of I
turns the fingerprint into the atomic energy, and E = sum_I E_I.
Reference: J. Behler, M. Parrinello, Phys. Rev. Lett. 98, 146401 (2007); J. Behler, J. Chem. Phys. 134,
074106 (2011).
"""
from __future__ import annotations

from typing import Sequence

import torch

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.base import AtomisticModel
from nnpes_core.models.layers import ElementMLP, cosine_cutoff, scatter_sum


def radial_symmetry_functions(
    distance: torch.Tensor, cutoff: torch.Tensor, centers: torch.Tensor, eta: float
) -> torch.Tensor:
    """G2 terms of each pair, [n_pairs, n_centers]: Gaussians at r_s = centers times f_c(r)."""
    return torch.exp(-eta * (distance.unsqueeze(-1) - centers) ** 2) * cutoff.unsqueeze(-1)


def angular_symmetry_functions(
    r_ij: torch.Tensor, r_ik: torch.Tensor, r_jk: torch.Tensor, cos_theta: torch.Tensor,
    cutoffs: torch.Tensor, etas: torch.Tensor, zetas: torch.Tensor,
) -> torch.Tensor:
    """G4 terms of each triplet, [n_triplets, 2 * n_eta * n_zeta] (lambda = +1 and -1).

    ``cutoffs`` is the product f_c(r_ij) f_c(r_ik) f_c(r_jk) of each triplet."""
    radial = torch.exp(-etas * (r_ij**2 + r_ik**2 + r_jk**2).unsqueeze(-1)) * cutoffs.unsqueeze(-1)
    lambdas = cos_theta.new_tensor([1.0, -1.0])
    # 1 + lambda cos(theta) lies in [0, 2]; the clamp guards the power against round-off below 0
    base = (1.0 + lambdas * cos_theta.unsqueeze(-1)).clamp(min=0.0)  # [n_triplets, 2]
    angular = 2.0 ** (1.0 - zetas) * base.unsqueeze(-1) ** zetas  # [n_triplets, 2, n_zeta]
    return (angular.unsqueeze(2) * radial.view(-1, 1, len(etas), 1)).flatten(1)


class BehlerParrinello(AtomisticModel):
    kind = "bp"

    def __init__(
        self,
        elements: Sequence[int],
        cutoff_radius: float = 5.0,
        n_radial: int = 16,
        radial_start: float = 0.7,
        angular_etas: Sequence[float] = (0.01, 0.1, 0.5),
        zetas: Sequence[float] = (1.0, 2.0, 4.0, 8.0, 16.0),
        hidden: Sequence[int] = (64, 64),
    ):
        super().__init__(elements, cutoff_radius)
        self.hyper = dict(n_radial=n_radial, radial_start=radial_start,
                          angular_etas=list(angular_etas), zetas=list(zetas), hidden=list(hidden))
        centers = torch.linspace(radial_start, cutoff_radius, n_radial)
        spacing = float(centers[1] - centers[0]) if n_radial > 1 else 1.0
        self.radial_eta = 0.5 / spacing**2  # neighbouring Gaussians overlap at half height
        self.register_buffer("radial_centers", centers)
        self.register_buffer("angular_etas", torch.tensor(list(angular_etas)))
        self.register_buffer("zetas", torch.tensor(list(zetas)))
        self.n_pairs = n_pairs = self.n_elements * (self.n_elements + 1) // 2
        self.n_radial_features = self.n_elements * n_radial
        self.n_angular_features = n_pairs * 2 * len(angular_etas) * len(zetas)
        n_features = self.n_radial_features + self.n_angular_features
        # pair_table[a, b]: which element pair (a <= b) a neighbour pair of species a, b belongs to
        pair_table = torch.zeros(self.n_elements, self.n_elements, dtype=torch.long)
        for index, (a, b) in enumerate((a, b) for a in range(self.n_elements)
                                       for b in range(a, self.n_elements)):
            pair_table[a, b] = pair_table[b, a] = index
        self.register_buffer("pair_table", pair_table, persistent=False)
        # fingerprints are standardised per element with statistics of the training data
        self.register_buffer("feature_mean", torch.zeros(self.n_elements, n_features))
        self.register_buffer("feature_std", torch.ones(self.n_elements, n_features))
        self.element_networks = ElementMLP(self.n_elements, [n_features, *hidden, 1])

    def config(self) -> dict:
        return dict(elements=self.elements, cutoff_radius=self.cutoff_radius, **self.hyper)

    def symmetry_functions(self, batch: AtomicBatch) -> torch.Tensor:
        """The fingerprint of every atom, [n_atoms, n_features] (before standardisation)."""
        vectors = batch.edge_vectors()  # [n_edges, 3]
        distance = vectors.norm(dim=-1)
        n_atoms = batch.n_atoms

        cutoff = cosine_cutoff(distance, self.cutoff_radius)  # f_c of every pair, computed once
        radial = radial_symmetry_functions(distance, cutoff, self.radial_centers, self.radial_eta)
        radial_slot, triplets, angular_slot = batch.derived(("bp-slots", id(self)), lambda: self._slots(batch))
        g2 = scatter_sum(radial, radial_slot, n_atoms * self.n_elements).view(n_atoms, -1)

        pair_vectors, pair_distances = vectors[triplets], distance[triplets]  # [2, n_triplets, ...]
        r_ij, r_ik = pair_distances
        cos_theta = (pair_vectors[0] * pair_vectors[1]).sum(-1) / (r_ij * r_ik)
        r_jk = (pair_vectors[1] - pair_vectors[0]).norm(dim=-1)
        cutoffs = cutoff[triplets].prod(0) * cosine_cutoff(r_jk, self.cutoff_radius)
        angular = angular_symmetry_functions(r_ij, r_ik, r_jk, cos_theta, cutoffs,
                                             self.angular_etas, self.zetas)
        g4 = scatter_sum(angular, angular_slot, n_atoms * self.n_pairs).view(n_atoms, -1)
        return torch.cat([g2, g4], dim=1)

    def _slots(self, batch: AtomicBatch):
        """Where each pair and triplet term is summed: (atom, neighbour element) for G2 and
        (atom, element pair) for G4. They depend only on the neighbour list, so they are cached."""
        species = self.species(batch.numbers)
        centers, neighbors = batch.edge_index
        triplets = batch.triplets()
        radial_slot = centers * self.n_elements + species[neighbors]
        pair = self.pair_table[species[neighbors[triplets[0]]], species[neighbors[triplets[1]]]]
        return radial_slot, triplets, centers[triplets[0]] * self.n_pairs + pair

    def raw_atomic_energies(self, batch: AtomicBatch) -> torch.Tensor:
        species = self.species(batch.numbers)
        features = self.symmetry_functions(batch)
        features = (features - self.feature_mean[species]) / self.feature_std[species]
        return self.element_networks(features, species).squeeze(-1)

    @torch.no_grad()
    def fit_to_data(self, batch: AtomicBatch, use_energies: bool = True) -> None:
        super().fit_to_data(batch, use_energies)
        species = self.species(batch.numbers)
        features = self.symmetry_functions(batch)
        for index in range(self.n_elements):
            rows = features[species == index]
            if len(rows) > 1:
                self.feature_mean[index] = rows.mean(0)
                self.feature_std[index] = rows.std(0).clamp(min=1e-6) + 1e-3 * rows.std(0).max()
