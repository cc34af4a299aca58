"""Two force fields learned from the same data on a 2-D surface, and how to tell them apart.

``train_force_pair`` fits, on the same sampled points of a surface such as Müller-Brown,

- an energy network ``SurfaceMLP`` (energies and gradients, the 2-D energy + force loss), whose force
  is F = -grad E by autograd: conservative by construction;
- a ``DirectForceMLP2D`` on the forces alone: two outputs, no energy behind them.

Then the checks of ``conservation`` apply to both: the curl on a grid (``curl_2d``), the work around a
circle (``loop_work``) — here also the "path work" ∮|F·dl| that sets its scale, and the Stokes estimate
-∬ curl dA over the disc, which must agree with the loop work.
Everything is in the surface's own units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from nnpes_core.analysis.conservation import curl_2d, loop_work
from nnpes_core.models.surface import (
    DirectForceMLP2D, SurfaceFit, SurfaceMLP, fit_force_field, fit_surface, sample_surface,
)
from nnpes_core.potentials.stationary import gradient as surface_gradient
from nnpes_core.potentials.toy2d import Surface2D

ForceField2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> F [..., 2]


@dataclass
class ForcePair:
    energy_fit: SurfaceFit  # .model is a SurfaceMLP
    direct_fit: SurfaceFit  # .model is a DirectForceMLP2D
    xy: torch.Tensor  # [n, 2] training points
    forces: torch.Tensor  # [n, 2] reference forces -grad E there
    test_force_rmse: dict[str, float]  # name -> RMSE of the force vector on held-out points

    def energy_force(self, xy: torch.Tensor) -> torch.Tensor:
        """-grad E of the energy network, differentiable again (for the curl)."""
        points = xy if xy.requires_grad else xy.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(self.energy_fit.model(points).sum(), points, create_graph=True)
        return -gradient

    def direct_force(self, xy: torch.Tensor) -> torch.Tensor:
        return self.direct_fit.model(xy)


def train_force_pair(surface: Surface2D, n_points: int = 300, steps: int = 800, width: int = 32, depth: int = 2,
                     seed: int = 0, energy_max: float | None = None, n_test: int = 500,
                     progress: Callable[[str], None] | None = None) -> ForcePair:
    """Fit the energy network and the direct-force network on the same ``n_points`` seeded samples."""
    xy, energy = sample_surface(surface, n_points, seed=seed, energy_max=energy_max)
    gradient = surface_gradient(surface, xy).detach()
    test_xy, _ = sample_surface(surface, n_test, seed=seed + 1, energy_max=energy_max)
    test_forces = -surface_gradient(surface, test_xy).detach()
    if progress is not None:
        progress("energy network")
    energy_fit = fit_surface(SurfaceMLP(width, depth), xy, energy, gradient, alpha=1.0, beta=1.0, steps=steps,
                             seed=seed)
    if progress is not None:
        progress("direct-force network")
    direct_fit = fit_force_field(DirectForceMLP2D(width, depth), xy, -gradient, steps=steps, seed=seed,
                                 test=(test_xy, test_forces))
    energy_test = -energy_fit.model.gradient(test_xy)
    rmse = {"energy": float((energy_test - test_forces).pow(2).sum(-1).mean().sqrt()),
            "direct": float(direct_fit.test_rmse)}
    return ForcePair(energy_fit, direct_fit, xy, -gradient, rmse)


def force_on_grid(force_fn: ForceField2D, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Force components U, V with the shape of X and Y."""
    xy = torch.as_tensor(np.stack([X, Y], axis=-1), dtype=torch.float64)
    force = force_fn(xy).detach().cpu().double().numpy()
    return force[..., 0], force[..., 1]


def loop_points(center: Sequence[float], radius: float, n_points: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Points [n, 2] on the circle and dl/dtheta [n, 2] there (counter-clockwise, theta in [0, 2 pi))."""
    theta = 2 * np.pi * np.arange(n_points) / n_points
    points = np.asarray(center, dtype=float) + radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    tangents = radius * np.stack([-np.sin(theta), np.cos(theta)], axis=1)
    return points, tangents


def path_work(force_fn: ForceField2D, center: Sequence[float], radius: float, n_points: int = 128) -> float:
    """∮ |F · dl| around the circle: the work done along the way, the scale to judge the loop work by."""
    points, tangents = loop_points(center, radius, n_points)
    force = force_fn(torch.as_tensor(points, dtype=torch.float64)).detach().cpu().double().numpy()
    return float(np.abs((force * tangents).sum(-1)).sum() * 2 * np.pi / n_points)


def stokes_work(force_fn: ForceField2D, center: Sequence[float], radius: float, n_radial: int = 24,
                n_angular: int = 64) -> float:
    """-∬ curl F dA over the disc (Gauss-Legendre in r, trapezoid in theta): equals the loop work."""
    nodes, weights = np.polynomial.legendre.leggauss(n_radial)
    r = 0.5 * radius * (nodes + 1.0)  # [n_radial] on (0, radius)
    r_weights = 0.5 * radius * weights
    theta = 2 * np.pi * np.arange(n_angular) / n_angular
    R, T = np.meshgrid(r, theta, indexing="ij")  # [n_radial, n_angular]
    X, Y = center[0] + R * np.cos(T), center[1] + R * np.sin(T)
    curl = curl_2d(force_fn, X, Y)
    return float(-(curl * R * r_weights[:, None]).sum() * 2 * np.pi / n_angular)


def loop_work_by_radius(force_fn: ForceField2D, center: Sequence[float], radii: Sequence[float],
                        n_points: int = 128) -> np.ndarray:
    """W = -∮ F · dl around circles of each radius, [n_radii]."""
    return np.array([loop_work(force_fn, center, float(r), n_points) for r in radii])
