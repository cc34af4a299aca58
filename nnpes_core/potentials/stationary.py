"""Gradients, Hessians and stationary points of 2-D surfaces, all by autograd.

A stationary point has zero gradient; the signs of the Hessian eigenvalues say what kind it is:
both positive, a minimum (a stable state); one negative, a first-order saddle (a transition state).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from nnpes_core import derivatives

EnergyFunction = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> energy [...]


def gradient(surface: EnergyFunction, xy, create_graph: bool = False) -> torch.Tensor:
    """dE/d(x, y) at points ``xy`` [..., 2] -> [..., 2] (the one derivative module's gradient)."""
    return derivatives.gradient(surface, xy, create_graph)[1]


def hessian(surface: EnergyFunction, xy) -> torch.Tensor:
    """Second derivatives d^2E/dq_i dq_j at points ``xy`` [..., 2] -> [..., 2, 2]."""
    return derivatives.point_hessians(surface, xy)


def classify(surface: EnergyFunction, xy, tolerance: float = 1e-8) -> str:
    """"minimum", "saddle", "maximum" or "degenerate" from the Hessian eigenvalues at one point."""
    eigenvalues = torch.linalg.eigvalsh(hessian(surface, xy)).tolist()
    if any(abs(value) < tolerance for value in eigenvalues):
        return "degenerate"
    negative = sum(value < 0 for value in eigenvalues)
    return ("minimum", "saddle", "maximum")[negative]


@dataclass
class StationaryPoint:
    xy: np.ndarray  # [2]
    energy: float
    kind: str  # see classify()
    hessian_eigenvalues: np.ndarray  # [2], ascending
    steps: int  # Newton steps taken


def find_stationary_point(
    surface: EnergyFunction,
    guess,
    gradient_tolerance: float = 1e-9,
    max_steps: int = 100,
    max_step_length: float = 0.1,
) -> StationaryPoint:
    """The stationary point nearest ``guess`` by Newton's method on the gradient: q <- q - H^-1 g.

    Newton's method does not care whether it climbs or descends, so it converges to saddles as well
    as minima — whichever stationary point's basin ``guess`` lies in. Steps longer than
    ``max_step_length`` are shortened to keep it from jumping across the surface. Computed in float64.
    """
    point = torch.as_tensor(guess, dtype=torch.float64).detach().clone()
    for step in range(max_steps + 1):
        grad = gradient(surface, point)
        if float(torch.linalg.norm(grad)) < gradient_tolerance:
            curvature = hessian(surface, point)
            eigenvalues = torch.linalg.eigvalsh(curvature).numpy()
            energy = float(surface(point))
            return StationaryPoint(point.numpy(), energy, classify(surface, point), eigenvalues, step)
        newton_step = -torch.linalg.solve(hessian(surface, point), grad)
        length = float(torch.linalg.norm(newton_step))
        if length > max_step_length:
            newton_step = newton_step * (max_step_length / length)
        point = point + newton_step
    raise RuntimeError(
        f"no stationary point found from {list(np.asarray(guess))} in {max_steps} Newton steps "
        f"(|gradient| = {float(torch.linalg.norm(grad)):.3g}); try a guess closer to it"
    )


def grid(surface: EnergyFunction, x_range=None, y_range=None, n: int | tuple[int, int] = 100):
    """X, Y, E arrays of shape [n_y, n_x] for contour plots (``E[i, j]`` at ``X[i, j], Y[i, j]``).

    Ranges default to the surface's ``x_range``/``y_range``; ``n`` is points per axis or (n_x, n_y).
    """
    x_range = x_range if x_range is not None else surface.x_range
    y_range = y_range if y_range is not None else surface.y_range
    n_x, n_y = (n, n) if isinstance(n, int) else n
    x = np.linspace(*x_range, n_x)
    y = np.linspace(*y_range, n_y)
    X, Y = np.meshgrid(x, y)  # [n_y, n_x]
    with torch.no_grad():
        energy = surface(torch.as_tensor(np.stack([X, Y], axis=-1)))
    return X, Y, energy.numpy()
