"""A committee (ensemble) of models: the mean is the prediction, the spread an uncertainty estimate.

Members differ only in their random initialisation (and data order), so where the training data pinned
the surface down they agree, and where the model extrapolates they disagree. The spread is what active
learning uses to pick the next structure to compute.
"""
from __future__ import annotations

import torch
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models.base import energy_and_forces


class Committee(nn.Module):
    kind = "committee"

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        if not members:
            raise ValueError("a committee needs at least one member")
        self.members = nn.ModuleList(members)
        self.conservative = all(getattr(m, "conservative", True) for m in members)
        self.cutoff_radius = max(m.cutoff_radius for m in members)
        self.elements = sorted(set.intersection(*(set(m.elements) for m in members)))

    def check_elements(self, numbers) -> None:
        for member in self.members:
            member.check_elements(numbers)

    def forward(self, batch: AtomicBatch) -> torch.Tensor:
        """Mean energy per structure, eV."""
        return torch.stack([m(batch) for m in self.members]).mean(0)

    def direct_forces(self, batch: AtomicBatch) -> torch.Tensor:
        return torch.stack([m.direct_forces(batch) for m in self.members]).mean(0)

    def predict(self, batch: AtomicBatch) -> dict[str, torch.Tensor]:
        """Mean and standard deviation over members of energies [n_structures] and forces [n_atoms, 3]."""
        energies, forces = zip(*(energy_and_forces(m, batch) for m in self.members))
        energies, forces = torch.stack(energies).detach(), torch.stack(forces).detach()
        spread = lambda x: x.std(0, unbiased=False)
        return {"energy": energies.mean(0), "energy_std": spread(energies),
                "forces": forces.mean(0), "forces_std": spread(forces)}
