"""Neural networks for two-dimensional surfaces E(x, y): the smallest setting in which to watch an MLP
learn a potential energy surface.

    E_theta(x, y) = energy_mean + energy_std * MLP((xy - input_mean) / input_std)

``SurfaceMLP(width, depth)`` has ``depth`` hidden layers of ``width`` neurons each (SiLU, smooth, so the
gradient -dE/dxy is a smooth force field). ``fit_surface`` trains it on sampled energies — and, when
given, gradients (the 2-D analogue of the energy + force loss, alpha and beta as in ``training``) —
with full-batch Adam and a cosine learning-rate schedule. Universal approximation in practice: more
width or depth, a smaller error (``width_depth_scan``).

Inputs and energies are in the surface's own units; training is seeded and never changes torch's
global random state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from nnpes_core.models.layers import mlp
from nnpes_core.potentials.toy2d import Surface2D


class SurfaceMLP(nn.Module):
    """E(xy) for points xy [..., n_inputs] -> energies [...]: an MLP with input/output standardisation."""

    def __init__(self, width: int = 32, depth: int = 2, n_inputs: int = 2, activation: type[nn.Module] = nn.SiLU):
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError("width and depth must be at least 1")
        self.width, self.depth, self.n_inputs = int(width), int(depth), int(n_inputs)
        self.network = mlp([n_inputs] + [width] * depth + [1], activation)
        self.register_buffer("input_mean", torch.zeros(n_inputs))
        self.register_buffer("input_std", torch.ones(n_inputs))
        self.register_buffer("energy_mean", torch.zeros(()))
        self.register_buffer("energy_std", torch.ones(()))

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        scaled = (xy - self.input_mean) / self.input_std
        return self.energy_mean + self.energy_std * self.network(scaled).squeeze(-1)

    def gradient(self, xy: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
        """dE/dxy by autograd, same shape as xy (the force is its negative)."""
        xy = xy.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self(xy).sum(), xy, create_graph=create_graph)
        return grad

    @torch.no_grad()
    def fit_normalisation(self, xy: torch.Tensor, energy: torch.Tensor) -> None:
        """Standardise inputs and energies with the statistics of the training data."""
        self.input_mean.copy_(xy.mean(0))
        self.input_std.copy_(xy.std(0).clamp(min=1e-8))
        self.energy_mean.fill_(float(energy.mean()))
        self.energy_std.fill_(max(float(energy.std()), 1e-8))


@dataclass
class SurfaceFit:
    model: nn.Module
    losses: list[float] = field(default_factory=list)  # training loss per step (standardised units)
    train_rmse: float = math.nan  # energy RMSE on the training points, surface units
    test_rmse: float | None = None  # energy RMSE on the test points, when given
    seconds: float = 0.0


def sample_surface(surface: Surface2D, n_points: int, seed: int = 0, energy_max: float | None = None,
                   dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform random points in the surface's plotting window, xy [n, 2], and their energies [n].

    Points above ``energy_max`` (default: the surface's ``plot_energy_max``) are dropped and redrawn,
    so the data covers the region a student looks at, not the steep walls.
    """
    energy_max = surface.plot_energy_max if energy_max is None else energy_max
    generator = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    kept: list[np.ndarray] = []
    count = 0
    while count < n_points:
        xy = np.column_stack([generator.uniform(x0, x1, 4 * n_points), generator.uniform(y0, y1, 4 * n_points)])
        energy = surface(torch.as_tensor(xy, dtype=dtype)).numpy()
        if energy_max is not None:
            xy = xy[energy <= energy_max]
        kept.append(xy)
        count += len(xy)
    xy = torch.as_tensor(np.concatenate(kept)[:n_points], dtype=dtype)
    return xy, surface(xy).detach()


def _full_batch_adam(model: nn.Module, loss: Callable[[], torch.Tensor], steps: int, learning_rate: float,
                     seed: int, callback: Callable[[int, float], bool | None] | None) -> list[float]:
    """Fresh seeded weights, then ``steps`` Adam steps on ``loss()`` (all points at once) with a cosine
    schedule down to 1 % of ``learning_rate``; returns the loss per step. ``callback(step, loss)`` may
    return False to stop."""
    with torch.random.fork_rng(devices=[]):  # seeded weights without touching the global generator
        torch.manual_seed(seed)
        for layer in model.network:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, eta_min=learning_rate * 0.01)
    losses: list[float] = []
    for step in range(1, steps + 1):
        optimizer.zero_grad(set_to_none=True)
        value = loss()
        value.backward()
        optimizer.step()
        schedule.step()
        losses.append(float(value.detach()))
        if callback is not None and callback(step, losses[-1]) is False:
            break
    return losses


def fit_surface(
    model: SurfaceMLP, xy: torch.Tensor, energy: torch.Tensor, gradient: torch.Tensor | None = None,
    alpha: float = 1.0, beta: float = 1.0, steps: int = 1000, learning_rate: float = 2e-2, seed: int = 0,
    test: tuple[torch.Tensor, torch.Tensor] | None = None,
    callback: Callable[[int, float], bool | None] | None = None,
) -> SurfaceFit:
    """Fit ``model`` in place to energies [n] (and gradients dE/dxy [n, 2] when given) at points xy [n, 2].

    Loss (standardised): alpha * <(E - E_ref)²> / s_E² + beta * <|dE/dxy - g_ref|²> / s_g² with s the
    spread of the reference. ``callback(step, loss)`` may return False to stop. ``test`` = (xy, energy)
    held-out points for ``test_rmse``.
    """
    import time

    start = time.perf_counter()
    model = model.to(xy.dtype)
    model.fit_normalisation(xy, energy)
    energy_scale = model.energy_std
    gradient_scale = gradient.pow(2).mean().sqrt().clamp(min=1e-8) if gradient is not None else None

    def loss() -> torch.Tensor:
        if gradient is not None and beta > 0:
            points = xy.detach().requires_grad_(True)
            predicted = model(points)
            (predicted_gradient,) = torch.autograd.grad(predicted.sum(), points, create_graph=True)
            value = beta * ((predicted_gradient - gradient) / gradient_scale).pow(2).sum(-1).mean()
            if alpha > 0:
                value = value + alpha * ((predicted - energy) / energy_scale).pow(2).mean()
            return value
        return ((model(xy) - energy) / energy_scale).pow(2).mean()

    result = SurfaceFit(model=model, losses=_full_batch_adam(model, loss, steps, learning_rate, seed, callback))
    model.eval()
    with torch.no_grad():
        result.train_rmse = float((model(xy) - energy).pow(2).mean().sqrt())
        if test is not None:
            result.test_rmse = float((model(test[0]) - test[1]).pow(2).mean().sqrt())
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class ScanResult:
    widths: list[int]
    depths: list[int]
    test_rmse: np.ndarray  # [n_depths, n_widths], surface units
    train_rmse: np.ndarray  # [n_depths, n_widths]
    n_parameters: np.ndarray  # [n_depths, n_widths]
    seconds: float
    models: list[list[SurfaceMLP]] = field(default_factory=list)  # [n_depths][n_widths], fitted


def width_depth_scan(
    surface: Surface2D, widths: Sequence[int], depths: Sequence[int], n_train: int = 300, n_test: int = 1000,
    steps: int = 400, learning_rate: float = 2e-2, seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    """Fit one SurfaceMLP per (width, depth) to the same seeded sample of ``surface``; errors on held-out
    points (fresh uniform points in the same window, below the same energy ceiling)."""
    import time

    start = time.perf_counter()
    xy, energy = sample_surface(surface, n_train, seed=seed)
    test = sample_surface(surface, n_test, seed=seed + 1)
    shape = (len(depths), len(widths))
    test_rmse, train_rmse, n_parameters = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=int)
    total, done, models = len(widths) * len(depths), 0, []
    for row, depth in enumerate(depths):
        models.append([])
        for column, width in enumerate(widths):
            fit = fit_surface(SurfaceMLP(width, depth), xy, energy, steps=steps, learning_rate=learning_rate,
                              seed=seed, test=test)
            models[row].append(fit.model)
            test_rmse[row, column], train_rmse[row, column] = fit.test_rmse, fit.train_rmse
            n_parameters[row, column] = fit.model.n_parameters
            done += 1
            if progress is not None:
                progress(done, total)
    return ScanResult(list(widths), list(depths), test_rmse, train_rmse, n_parameters,
                      time.perf_counter() - start, models)


# --- lesson 6: a force field learned directly (the non-conservative counter-example in 2-D) ----------

class DirectForceMLP2D(nn.Module):
    """F(xy) for points xy [..., 2] -> forces [..., 2], predicted by an MLP with two outputs.

    Nothing ties the two outputs together: the field is NOT the gradient of any energy, its curl
    dF_y/dx - dF_x/dy is not zero and the work around a closed loop is not zero. It can still fit the
    training forces well — which is the point of the counter-example (compare ``SurfaceMLP.gradient``).
    """

    conservative = False

    def __init__(self, width: int = 32, depth: int = 2, activation: type[nn.Module] = nn.SiLU):
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError("width and depth must be at least 1")
        self.width, self.depth = int(width), int(depth)
        self.network = mlp([2] + [width] * depth + [2], activation)
        self.register_buffer("input_mean", torch.zeros(2))
        self.register_buffer("input_std", torch.ones(2))
        self.register_buffer("force_scale", torch.ones(()))

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        return self.force_scale * self.network((xy - self.input_mean) / self.input_std)

    @torch.no_grad()
    def fit_normalisation(self, xy: torch.Tensor, forces: torch.Tensor) -> None:
        self.input_mean.copy_(xy.mean(0))
        self.input_std.copy_(xy.std(0).clamp(min=1e-8))
        self.force_scale.fill_(max(float(forces.pow(2).mean().sqrt()), 1e-8))


def fit_force_field(
    model: DirectForceMLP2D, xy: torch.Tensor, forces: torch.Tensor, steps: int = 1000,
    learning_rate: float = 1e-2, seed: int = 0, test: tuple[torch.Tensor, torch.Tensor] | None = None,
    callback: Callable[[int, float], bool | None] | None = None,
) -> SurfaceFit:
    """Fit ``model`` in place to forces [n, 2] at points xy [n, 2]: loss <|F - F_ref|²> / <|F_ref|²>.

    The same optimiser and schedule as ``fit_surface``; ``train_rmse`` / ``test_rmse`` are force RMSEs
    (norm of the error vector) in the surface's units, ``test`` = (xy, forces).
    """
    import time

    start = time.perf_counter()
    model = model.to(xy.dtype)
    model.fit_normalisation(xy, forces)
    scale = forces.pow(2).sum(-1).mean().sqrt().clamp(min=1e-8)

    def loss() -> torch.Tensor:
        return ((model(xy) - forces) / scale).pow(2).sum(-1).mean()

    result = SurfaceFit(model=model, losses=_full_batch_adam(model, loss, steps, learning_rate, seed, callback))
    model.eval()
    with torch.no_grad():
        result.train_rmse = float((model(xy) - forces).pow(2).sum(-1).mean().sqrt())
        if test is not None:
            result.test_rmse = float((model(test[0]) - test[1]).pow(2).sum(-1).mean().sqrt())
    result.seconds = time.perf_counter() - start
    return result


# --- lesson 5: a committee of surface MLPs, whose spread shows where the data end --------------------

class SurfaceCommittee(nn.Module):
    """The mean of several ``SurfaceMLP`` members, E(xy) [...]; ``spread(xy)`` is their standard deviation."""

    def __init__(self, members: Sequence[SurfaceMLP]):
        super().__init__()
        if not members:
            raise ValueError("a committee needs at least one member")
        self.members = nn.ModuleList(members)

    def member_energies(self, xy: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(xy) for member in self.members])  # [n_members, ...]

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        return self.member_energies(xy).mean(0)

    def spread(self, xy: torch.Tensor) -> torch.Tensor:
        return self.member_energies(xy).std(0, unbiased=False)


def fit_surface_committee(
    xy: torch.Tensor, energy: torch.Tensor, gradient: torch.Tensor | None = None, n_members: int = 4,
    width: int = 32, depth: int = 2, steps: int = 800, learning_rate: float = 1e-2, seed: int = 0,
    bootstrap: bool = True, progress: Callable[[int, int], None] | None = None,
) -> SurfaceCommittee:
    """``n_members`` SurfaceMLPs that differ in their seed and (``bootstrap``) in a resampled training set.

    Where the data pin the surface down the members agree; away from the data each extrapolates in its
    own way, and the spread grows — an uncertainty estimate that needs no reference.
    """
    generator = np.random.default_rng(seed)
    members = []
    for index in range(n_members):
        chosen = generator.integers(0, len(xy), len(xy)) if bootstrap else np.arange(len(xy))
        chosen = torch.as_tensor(chosen)
        fit = fit_surface(SurfaceMLP(width, depth), xy[chosen], energy[chosen],
                          None if gradient is None else gradient[chosen], steps=steps,
                          learning_rate=learning_rate, seed=seed + index)
        members.append(fit.model)
        if progress is not None:
            progress(index + 1, n_members)
    return SurfaceCommittee(members)
