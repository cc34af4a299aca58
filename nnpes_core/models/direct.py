"""The direct-force network: forces predicted by their own head, NOT as -dE/dR. A counter-example.

    E   = sum_I E_I(G_I)                                         an energy head (Behler-Parrinello)
    F_I = s * sum_J  w(G_I, |r_IJ|) f_c(|r_IJ|) r_IJ / |r_IJ|      a separate force head

with r_IJ = R_J - R_I (pointing from I to J), so a positive weight w pulls atom I towards J; f_c is the
cosine cutoff and s the energy scale (eV per unit of network output, from the training data).

The force head is a sum of pair vectors with learned weights, so it rotates with the molecule
(equivariant) and is fine under translation and permutation. But the weight of the pair I-J depends on
the environment of I alone, so nothing makes the field a gradient: its curl is not zero, the work around
a closed loop is not zero, F_IJ != -F_JI, and NVE dynamics drift. It can fit forces well and still be
unphysical — which is the lesson.
"""
from __future__ import annotations

from typing import Sequence

import torch

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.behler_parrinello import BehlerParrinello
from nnpes_core.models.layers import ElementMLP, cosine_cutoff, scatter_sum


class DirectForceNet(BehlerParrinello):
    kind = "direct"
    conservative = False

    def __init__(self, elements: Sequence[int], cutoff_radius: float = 5.0, force_hidden: int = 64, **kwargs):
        super().__init__(elements, cutoff_radius, **kwargs)
        self.hyper["force_hidden"] = force_hidden
        n_in = self.feature_mean.shape[1] + self.n_radial_features // self.n_elements
        self.force_head = ElementMLP(self.n_elements, [n_in, force_hidden, force_hidden, 1])

    def direct_forces(self, batch: AtomicBatch) -> torch.Tensor:
        """Forces [n_atoms, 3] in eV/Å from the force head."""
        species = self.species(batch.numbers)
        features = (self.symmetry_functions(batch) - self.feature_mean[species]) / self.feature_std[species]
        centers, neighbors = batch.edge_index
        vectors = batch.edge_vectors()
        distance = vectors.norm(dim=-1)
        gaussians = torch.exp(-self.radial_eta * (distance.unsqueeze(-1) - self.radial_centers) ** 2)
        pair_inputs = torch.cat([features[centers], gaussians], dim=1)  # environment of I + |r_IJ|
        # r_IJ = R_J - R_I points from I to J: F_I = +s sum_J w f_c r_IJ/|r_IJ|, a positive w pulls I toward J
        weight = self.force_head(pair_inputs, species[centers]).squeeze(-1)
        weight = weight * cosine_cutoff(distance, self.cutoff_radius)
        pair_forces = (weight / distance).unsqueeze(-1) * vectors * self.energy_scale
        return scatter_sum(pair_forces, centers, batch.n_atoms)
