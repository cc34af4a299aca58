"""Neural networks for two-dimensional surfaces E(x, y): the smallest setting in which to watch an MLP
learn a potential energy surface.

    E_theta(x, y) = energy_mean + energy_std * MLP((xy - input_mean) / input_std)

``SurfaceMLP(width, depth)`` has ``depth`` hidden layers of ``width`` neurons (SiLU: smooth, so that
-dE/dxy is a smooth force field). ``SurfaceDirectForce`` is the lesson-6 counter-example: one network
with an energy output and two force outputs that nothing ties together.

Both take points xy [..., 2] or a ``SurfacePoints`` batch, are trained by the one training loop
(``nnpes_core.training.train``) and saved in the one checkpoint format of ``nnpes_core.models``. Inputs and
energies are in the surface's own units.
"""
from __future__ import annotations

import torch
from torch import nn

from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.models.layers import mlp


def _points(inputs: torch.Tensor | SurfacePoints) -> torch.Tensor:
    return inputs.positions if isinstance(inputs, SurfacePoints) else torch.as_tensor(inputs)


class _SurfaceNetwork(nn.Module):
    """What both surface networks share: an MLP on standardised inputs, and their normalisation."""

    kind = ""
    n_outputs = 1
    invariant = False  # x and y are coordinates of one surface, not atoms in space
    local = False

    def __init__(self, width: int = 32, depth: int = 2, n_inputs: int = 2):
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError("width and depth must be at least 1")
        self.width, self.depth, self.n_inputs = int(width), int(depth), int(n_inputs)
        self.network = mlp([n_inputs] + [width] * depth + [self.n_outputs], nn.SiLU)
        self.register_buffer("input_mean", torch.zeros(n_inputs))
        self.register_buffer("input_std", torch.ones(n_inputs))
        self.register_buffer("energy_mean", torch.zeros(()))
        self.register_buffer("energy_std", torch.ones(()))

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def config(self) -> dict:
        return {"width": self.width, "depth": self.depth, "n_inputs": self.n_inputs}

    def _outputs(self, inputs) -> torch.Tensor:
        return self.network((_points(inputs) - self.input_mean) / self.input_std)  # [..., n_outputs]

    @torch.no_grad()
    def fit_to_data(self, data: SurfacePoints, use_energies: bool = True) -> None:
        """Standardise inputs with the points; outputs with the energies, or without energies (forces
        only) shift 0 and scale |F|_rms * spread of xy, a typical energy change."""
        self.input_mean.copy_(data.positions.mean(0))
        self.input_std.copy_(data.positions.std(0).clamp(min=1e-8))
        if use_energies and data.energy is not None:
            self.energy_mean.fill_(float(data.energy.mean()))
            self.energy_std.fill_(max(float(data.energy.std()), 1e-8))
        else:
            typical = float(data.forces.pow(2).mean().sqrt() * data.positions.std(0).mean())
            self.energy_mean.fill_(0.0)
            self.energy_std.fill_(typical if typical > 1e-8 else 1.0)


class SurfaceMLP(_SurfaceNetwork):
    """E(xy): points [..., 2] (or SurfacePoints) -> energies [...]; forces are -dE/dxy by autograd."""

    kind = "surface"
    conservative = True

    def forward(self, inputs: torch.Tensor | SurfacePoints) -> torch.Tensor:
        return self.energy_mean + self.energy_std * self._outputs(inputs).squeeze(-1)


class SurfaceDirectForce(_SurfaceNetwork):
    """An energy output E(xy) and two force outputs F(xy) that nothing ties together.

    The force outputs are NOT the gradient of any energy: the field's curl dF_y/dx - dF_x/dy is not zero
    and the work around a closed loop is not zero. It can still fit the training forces well — which is
    the point of the counter-example (compare -grad E of ``SurfaceMLP``).
    """

    kind = "surface-direct"
    conservative = False
    n_outputs = 3  # E, F_x, F_y

    def forward(self, inputs: torch.Tensor | SurfacePoints) -> torch.Tensor:
        return self.energy_mean + self.energy_std * self._outputs(inputs)[..., 0]

    def direct_forces(self, inputs: torch.Tensor | SurfacePoints) -> torch.Tensor:
        """Forces [..., 2] from the force outputs (scaled like an energy gradient)."""
        return self.energy_std / self.input_std * self._outputs(inputs)[..., 1:]
