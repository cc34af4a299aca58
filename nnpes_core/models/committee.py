"""A committee (ensemble) of models: the mean is the prediction, the spread an uncertainty estimate.

    E(R) = (1/M) sum_m E_m(R),      sigma_E(R) = sqrt( (1/M) sum_m (E_m(R) - E(R))^2 )

Members differ in their random initialisation and, when trained with ``bootstrap``, in the data they
saw (``nnpes_core.training.train_committee``). Where the training data pinned the surface down they
agree; where the model extrapolates they disagree. The spread is what active learning uses to pick the
next structure to compute. One class for both worlds: members may be atomistic models (batches of
structures) or 2-D surface networks (points xy).
"""
from __future__ import annotations

import torch
from torch import nn

from nnpes_core.derivatives import energy_and_forces


class Committee(nn.Module):
    kind = "committee"
    invariant = True  # set from the members below

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        if not members:
            raise ValueError("a committee needs at least one member")
        self.members = nn.ModuleList(members)
        self.conservative = all(getattr(m, "conservative", True) for m in members)
        self.invariant = all(getattr(m, "invariant", True) for m in members)
        self.local = all(getattr(m, "local", False) for m in members)
        if all(hasattr(m, "cutoff_radius") for m in members):  # atomistic members
            self.cutoff_radius = max(m.cutoff_radius for m in members)
            self.elements = sorted(set.intersection(*(set(m.elements) for m in members)))

    def check_elements(self, numbers) -> None:
        for member in self.members:
            member.check_elements(numbers)

    def member_energies(self, inputs) -> torch.Tensor:
        """Every member's energies, [n_members, ...]."""
        return torch.stack([member(inputs) for member in self.members])

    def forward(self, inputs) -> torch.Tensor:
        """Mean energy of the members (per structure, or per point)."""
        return self.member_energies(inputs).mean(0)

    def spread(self, inputs) -> torch.Tensor:
        """Standard deviation of the members' energies (per structure, or per point)."""
        return self.member_energies(inputs).std(0, unbiased=False)

    def direct_forces(self, inputs) -> torch.Tensor:
        return torch.stack([m.direct_forces(inputs) for m in self.members]).mean(0)

    def atomic_energies(self, batch) -> torch.Tensor:
        return torch.stack([m.atomic_energies(batch) for m in self.members]).mean(0)

    def predict(self, batch) -> dict[str, torch.Tensor]:
        """Mean and standard deviation over members of energies [n_structures] and forces [n_atoms, d]."""
        energies, forces = zip(*(energy_and_forces(m, batch) for m in self.members))
        energies, forces = torch.stack(energies).detach(), torch.stack(forces).detach()
        spread = lambda x: x.std(0, unbiased=False)  # noqa: E731
        return {"energy": energies.mean(0), "energy_std": spread(energies),
                "forces": forces.mean(0), "forces_std": spread(forces)}
