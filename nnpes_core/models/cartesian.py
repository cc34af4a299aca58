"""The naive model: an MLP on the raw Cartesian coordinates. A counter-example, on purpose.

    E = MLP( x_1, y_1, z_1, ..., x_N, y_N, z_N )

It only works for one fixed molecule with its atoms in one fixed order, and it knows nothing of the
symmetries: move, rotate or relabel the molecule and the input changes, so the energy changes. Its forces
are still -dE/dR (it is conservative), which isolates the lesson: symmetry must be built in, not learned.
"""
from __future__ import annotations

from typing import Sequence

import torch

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.base import AtomisticModel
from nnpes_core.models.layers import mlp


class CartesianMLP(AtomisticModel):
    kind = "cartesian"
    local = False
    invariant = False

    def __init__(self, numbers: Sequence[int], hidden: Sequence[int] = (128, 128),
                 cutoff_radius: float = 5.0):
        super().__init__(numbers, cutoff_radius)
        self.numbers = [int(z) for z in numbers]  # the one molecule, in its one atom order
        self.hidden = list(hidden)
        n_inputs = 3 * len(self.numbers)
        # inputs are standardised with the training data's mean and spread of each coordinate
        self.register_buffer("input_mean", torch.zeros(n_inputs))
        self.register_buffer("input_std", torch.ones(n_inputs))
        self.network = mlp([n_inputs, *hidden, 1])

    def config(self) -> dict:
        return dict(numbers=self.numbers, hidden=self.hidden, cutoff_radius=self.cutoff_radius)

    def check_elements(self, numbers) -> None:
        numbers = [int(z) for z in torch.as_tensor(numbers).tolist()]
        super().check_elements(numbers)
        if len(numbers) % len(self.numbers) or numbers != self.numbers * (len(numbers) // len(self.numbers)):
            raise ValueError(
                "the cartesian model only takes the molecule it was trained on, with its atoms in "
                f"the same order (atomic numbers {self.numbers})"
            )

    def _inputs(self, batch: AtomicBatch) -> torch.Tensor:
        coordinates = batch.positions.reshape(batch.n_structures, -1)  # [n_structures, 3 N]
        return (coordinates - self.input_mean) / self.input_std

    def forward(self, batch: AtomicBatch) -> torch.Tensor:
        """Energy per structure, eV (float64); not a sum of atomic energies."""
        if batch.n_atoms != batch.n_structures * len(self.numbers):
            raise ValueError(f"the cartesian model only takes its own molecule of {len(self.numbers)} atoms")
        shift = self.element_energies[self.species(torch.as_tensor(self.numbers, device=batch.numbers.device))].sum()
        return (self.energy_scale * self.network(self._inputs(batch)).squeeze(-1)).to(torch.float64) + shift

    def atomic_energies(self, batch: AtomicBatch) -> torch.Tensor:
        raise NotImplementedError("the cartesian model has no atomic energies: it sees the molecule whole")

    @torch.no_grad()
    def fit_to_data(self, batch: AtomicBatch, use_energies: bool = True) -> None:
        super().fit_to_data(batch, use_energies)
        coordinates = batch.positions.reshape(batch.n_structures, -1)
        self.input_mean.copy_(coordinates.mean(0))
        # a coordinate that never moves in the data (x of a planar molecule) must not be amplified:
        # floor the spread at a typical thermal displacement, 0.05 Å
        self.input_std.copy_(coordinates.std(0).clamp(min=0.05) if batch.n_structures > 1
                             else torch.ones_like(self.input_std))
