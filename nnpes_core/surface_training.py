"""Networks fitted to 2-D surfaces with the one training loop: the experiments of lessons 3, 5 and 6.

Every fit here is ``nnpes_core.training.train`` on ``SurfacePoints`` (a point is a "structure" with one
"atom"), with the whole data set in one batch (``full_batch_config``): a few hundred points, a few hundred
Adam steps on a cosine schedule.

- ``width_depth_scan`` (lesson 3): universal approximation in practice, more width or depth, a smaller
  error on held-out points;
- ``surface_committee`` (lesson 5): members that differ in seed and resampled data; their spread grows
  away from the data;
- ``train_force_pair`` (lesson 6): an energy network (forces -grad E) and a direct-force network fitted
  to the same points, for the curl and loop-work checks.

Everything is in the surface's own units.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from nnpes_core.data.surface_points import SurfacePoints, label_points, sample_surface, surface_dataset
from nnpes_core.derivatives import force_field
from nnpes_core.models import Committee, SurfaceMLP
from nnpes_core.potentials.toy2d import Surface2D
from nnpes_core.training import TrainingConfig, TrainingResult, error_metrics, train_committee, train_new_model

FULL_BATCH_LEARNING_RATE = 2e-2


def full_batch_config(steps: int, seed: int = 0, learning_rate: float = FULL_BATCH_LEARNING_RATE,
                      **overrides) -> TrainingConfig:
    """Settings for a small 2-D fit: every point in one batch, ``steps`` Adam steps, float64, CPU."""
    settings = dict(epochs=int(steps), batch_size=10**9, learning_rate=learning_rate, seed=seed, dtype="float64",
                    device="cpu", threads=1)
    return TrainingConfig(**{**settings, **overrides})


def fit_surface(data: SurfacePoints, kind: str = "surface", width: int = 32, depth: int = 2, steps: int = 500,
                seed: int = 0, alpha: float = 1.0, beta: float = 1.0, learning_rate: float = FULL_BATCH_LEARNING_RATE,
                callback=None) -> TrainingResult:
    """A fresh seeded network of ``kind`` ("surface" or "surface-direct") fitted to ``data`` (beta = 0:
    energies only; alpha = 0: forces only)."""
    config = full_batch_config(steps, seed, learning_rate, alpha=alpha, beta=beta)
    return train_new_model(kind, data, None, config, callback, width=width, depth=depth)


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
    steps: int = 400, learning_rate: float = FULL_BATCH_LEARNING_RATE, seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ScanResult:
    """Fit one SurfaceMLP per (width, depth) to the same seeded energies of ``surface`` (no forces: the
    universal-approximation statement is about the function); energy RMSE on held-out points (fresh
    uniform points in the same window, below the same energy ceiling)."""
    start = time.perf_counter()
    train_points, test_points = surface_dataset(surface, n_train, seed), surface_dataset(surface, n_test, seed + 1)
    shape = (len(depths), len(widths))
    test_rmse, train_rmse, n_parameters = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=int)
    total, done, models = len(widths) * len(depths), 0, []
    for row, depth in enumerate(depths):
        models.append([])
        for column, width in enumerate(widths):
            model = fit_surface(train_points, "surface", width, depth, steps, seed, beta=0.0,
                                learning_rate=learning_rate).model
            models[row].append(model)
            train_rmse[row, column] = error_metrics(model, train_points)["energy_rmse"]
            test_rmse[row, column] = error_metrics(model, test_points)["energy_rmse"]
            n_parameters[row, column] = model.n_parameters
            done += 1
            if progress is not None:
                progress(done, total)
    return ScanResult(list(widths), list(depths), test_rmse, train_rmse, n_parameters,
                      time.perf_counter() - start, models)


def surface_committee(data: SurfacePoints, n_members: int = 4, width: int = 32, depth: int = 2, steps: int = 800,
                      learning_rate: float = 1e-2, seed: int = 0, use_forces: bool = False, bootstrap: bool = True,
                      progress: Callable[[int, int], None] | None = None) -> Committee:
    """``n_members`` SurfaceMLPs that differ in their seed and (``bootstrap``) in a resampled training set.

    Where the data pin the surface down the members agree; away from the data each extrapolates in its
    own way, and the spread grows: an uncertainty estimate that needs no reference."""
    config = full_batch_config(steps, seed, learning_rate, beta=1.0 if use_forces else 0.0)
    return train_committee("surface", data, None, config, n_members, bootstrap, progress, width=width, depth=depth)


@dataclass
class ForcePair:
    energy_fit: TrainingResult  # .model is a SurfaceMLP
    direct_fit: TrainingResult  # .model is a SurfaceDirectForce
    xy: torch.Tensor  # [n, 2] training points
    forces: torch.Tensor  # [n, 2] reference forces -grad E there
    test_force_rmse: dict[str, float]  # name -> RMSE of the force vector on held-out points

    def energy_force(self, xy: torch.Tensor) -> torch.Tensor:
        """-grad E of the energy network, differentiable again (for the curl)."""
        return force_field(self.energy_fit.model, create_graph=True)(xy)

    def direct_force(self, xy: torch.Tensor) -> torch.Tensor:
        return self.direct_fit.model.direct_forces(xy)


def train_force_pair(surface: Surface2D, n_points: int = 300, steps: int = 800, width: int = 32, depth: int = 2,
                     seed: int = 0, energy_max: float | None = None, n_test: int = 500,
                     progress: Callable[[str], None] | None = None) -> ForcePair:
    """Fit the energy network (energies and forces, alpha = beta = 1) and the direct-force network (forces
    only, alpha = 0) on the same ``n_points`` seeded samples, with the same optimiser settings."""
    data = label_points(surface, sample_surface(surface, n_points, seed=seed, energy_max=energy_max)[0])
    test = label_points(surface, sample_surface(surface, n_test, seed=seed + 1, energy_max=energy_max)[0])
    fits = {}
    # the energy network learns energies and forces; the direct network, like lesson 6 says, forces alone
    for name, kind, alpha in (("energy", "surface", 1.0), ("direct", "surface-direct", 0.0)):
        if progress is not None:
            progress(f"{name} network")
        fits[name] = fit_surface(data, kind, width, depth, steps, seed, alpha=alpha, learning_rate=1e-2)
    # the RMSE of the force vector, |F - F_ref| (error_metrics gives it per component: times sqrt 2)
    rmse = {name: float(np.sqrt(2.0)) * error_metrics(fit.model, test)["force_rmse"] for name, fit in fits.items()}
    return ForcePair(fits["energy"], fits["direct"], data.positions, data.forces, rmse)


def surface_on_grid(model: torch.nn.Module, surface: Surface2D, n: int = 60, offset: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x [n], y [n], the reference and the model energy minus ``offset`` on the surface's plotting window,
    [n, n] each (E[i, j] at y_i, x_j), both clipped at the surface's plotting ceiling."""
    x, y = np.linspace(*surface.x_range, n), np.linspace(*surface.y_range, n)
    X, Y = np.meshgrid(x, y)
    parameter = next(model.parameters())
    points = np.stack([X, Y], axis=-1)
    with torch.no_grad():
        predicted = model(torch.as_tensor(points, dtype=parameter.dtype, device=parameter.device))
        reference = surface(torch.as_tensor(points)).double().numpy()
    predicted = predicted.double().cpu().numpy() - offset
    if surface.plot_energy_max is not None:
        reference = np.minimum(reference, surface.plot_energy_max)
        predicted = np.minimum(predicted, surface.plot_energy_max)
    return x, y, reference, predicted
