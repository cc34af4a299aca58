"""The energy + force loss on a two-dimensional surface: the smallest picture of lesson 4.

A point xy = (x, y) on a toy surface E(x, y) plays the part of a structure; its "force" is
F = -grad E, a vector with two components. The loss is the one of ``training`` with one "atom":

    L = alpha * <(E_theta(xy) - E_ref)^2>  +  beta * <|(-grad E_theta(xy)) - F_ref|^2 / 2>

``train_surface`` minimises it for a :class:`~nnpes_core.models.surface.SurfaceMLP` with the settings
of a :class:`~nnpes_core.training.TrainingConfig` (alpha, beta, learning rate, epochs or a time budget,
float32/float64, device) and reports every epoch as an :class:`~nnpes_core.training.EpochReport`, so
the app draws the same live curves for surfaces and molecules. Errors are in the surface's own units
(energy; energy per unit of x and y for forces), not meV.

With alpha = 0 the energies are never used, not even for the output normalisation: the model then
learns E only up to a constant, exactly as for molecules.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from nnpes_core.models.surface import SurfaceMLP, sample_surface
from nnpes_core.potentials.stationary import gradient
from nnpes_core.potentials.toy2d import Surface2D
from nnpes_core.training import (
    EpochReport, TrainingConfig, TrainingResult, resolve_device, set_epoch_learning_rate,
)

SURFACE_CHECKPOINT_FORMAT = "nnpes-surface/1"


@dataclass
class SurfaceData:
    """Points on a 2-D surface with their labels, in the surface's units."""

    xy: torch.Tensor  # [n, 2]
    energy: torch.Tensor  # [n]
    forces: torch.Tensor  # [n, 2], -dE/dxy

    def __len__(self) -> int:
        return len(self.energy)

    def to(self, device=None, dtype=None) -> "SurfaceData":
        return SurfaceData(*(t.to(device=device, dtype=dtype) for t in (self.xy, self.energy, self.forces)))

    def select(self, index: torch.Tensor) -> "SurfaceData":
        return SurfaceData(self.xy[index], self.energy[index], self.forces[index])


def surface_dataset(surface: Surface2D, n_points: int, seed: int = 0) -> SurfaceData:
    """``n_points`` uniform random points in the surface's window (below its plotting ceiling),
    labelled with the exact energy and force -grad E (float64)."""
    xy, energy = sample_surface(surface, n_points, seed=seed)
    forces = -gradient(surface, xy).detach()
    return SurfaceData(xy.detach(), energy.detach(), forces)


def surface_model(width: int = 64, depth: int = 3, seed: int = 0) -> SurfaceMLP:
    """A seeded SurfaceMLP (weights drawn without touching torch's global random state)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SurfaceMLP(width, depth)


def surface_predict(model: SurfaceMLP, xy: torch.Tensor, create_graph: bool = False
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies [n] and forces -dE/dxy [n, 2] of the model at points xy [n, 2]."""
    points = xy.detach().requires_grad_(True)
    energy = model(points)
    (grad,) = torch.autograd.grad(energy.sum(), points, create_graph=create_graph)
    return energy, -grad


@torch.no_grad()
def fit_surface_normalisation(model: SurfaceMLP, data: SurfaceData, use_energies: bool = True) -> None:
    """Input standardisation from the points; output shift and scale from the energies, or, without
    energies (forces only), shift 0 and scale |F|_rms * spread of xy (a typical energy change)."""
    model.input_mean.copy_(data.xy.mean(0))
    model.input_std.copy_(data.xy.std(0).clamp(min=1e-8))
    if use_energies:
        model.energy_mean.fill_(float(data.energy.mean()))
        model.energy_std.fill_(max(float(data.energy.std()), 1e-8))
    else:
        typical = float(data.forces.pow(2).mean().sqrt() * data.xy.std(0).mean())
        model.energy_mean.fill_(0.0)
        model.energy_std.fill_(typical if typical > 1e-8 else 1.0)


def surface_loss_terms(model: SurfaceMLP, data: SurfaceData, alpha: float, beta: float, training: bool = True):
    """(loss, energy term, force term) on a batch of points (mean squared errors, surface units²)."""
    energy, forces = surface_predict(model, data.xy, create_graph=training)
    energy_term = (energy - data.energy).pow(2).mean()
    force_term = (forces - data.forces).pow(2).mean()
    return alpha * energy_term + beta * force_term, energy_term, force_term


def surface_errors(model: SurfaceMLP, data: SurfaceData, alpha: float = 1.0, beta: float = 1.0) -> dict:
    """Energy and force MAE / RMSE (surface units) and the loss on a data set."""
    energy, forces = surface_predict(model, data.xy)
    energy, forces = energy.detach(), forces.detach()
    energy_error, force_error = energy - data.energy, forces - data.forces
    return {
        "n_points": len(data),
        "energy_mae": float(energy_error.abs().mean()), "energy_rmse": float(energy_error.pow(2).mean().sqrt()),
        "force_mae": float(force_error.abs().mean()), "force_rmse": float(force_error.pow(2).mean().sqrt()),
        "loss": float(alpha * energy_error.pow(2).mean() + beta * force_error.pow(2).mean()),
    }


def train_surface(model: SurfaceMLP, train_data: SurfaceData, val_data: SurfaceData | None,
                  config: TrainingConfig, callback: Callable[[EpochReport], bool | None] | None = None
                  ) -> TrainingResult:
    """Fit ``model`` in place with Adam and a cosine schedule; the best validation weights are kept,
    also when the callback stops training (returns False) or raises (the app's stop button)."""
    config.validate()
    device, dtype = resolve_device(config.device), getattr(torch, config.dtype)
    model = model.to(device=device, dtype=dtype)
    train_data = train_data.to(device, dtype)
    val_data = val_data.to(device, dtype) if val_data is not None else None
    fit_surface_normalisation(model, train_data, use_energies=config.alpha > 0)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    result = TrainingResult(model=model, device=str(device))
    result.best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    try:
        for epoch in range(1, config.epochs + 1):
            learning_rate = set_epoch_learning_rate(optimizer, config, epoch, start)
            model.train()
            epoch_start = time.perf_counter()
            order = torch.randperm(len(train_data), generator=generator).to(device)
            totals = torch.zeros(3, dtype=dtype, device=device)
            for first in range(0, len(train_data), config.batch_size):
                batch = train_data.select(order[first:first + config.batch_size])
                loss, energy_term, force_term = surface_loss_terms(model, batch, config.alpha, config.beta)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                totals += len(batch) * torch.stack([loss, energy_term, force_term]).detach()
            totals = (totals / len(train_data)).tolist()
            report = EpochReport(epoch=epoch, elapsed=0.0, learning_rate=learning_rate, train_loss=totals[0],
                                 train_energy_loss=totals[1], train_force_loss=totals[2],
                                 structures_per_second=len(train_data) / (time.perf_counter() - epoch_start))
            if not math.isfinite(report.train_loss):
                result.stop_reason = "diverged"
                break
            model.eval()
            if val_data is not None:
                errors = surface_errors(model, val_data, config.alpha, config.beta)
                report.val_energy_mae, report.val_force_mae = errors["energy_mae"], errors["force_mae"]
                report.val_loss = errors["loss"]
                report.is_best = report.val_loss < result.best_val_loss
                if report.is_best:
                    result.best_val_loss = report.val_loss
            else:
                report.is_best = True
            if report.is_best:
                result.best_epoch, result.best_state = epoch, copy.deepcopy(model.state_dict())
            report.elapsed = time.perf_counter() - start
            result.history.append(report)
            if callback is not None and callback(report) is False:
                result.stop_reason = "stopped"
                break
            if config.time_budget and report.elapsed >= config.time_budget:
                result.stop_reason = "time budget"
                break
    except KeyboardInterrupt:
        result.stop_reason = "interrupted"
    finally:  # whatever ended the loop, the model holds the best weights seen
        if result.best_epoch:
            model.load_state_dict(result.best_state)
        model.eval()
        result.elapsed = time.perf_counter() - start
    return result


def surface_units(surface: Surface2D) -> tuple[str, str]:
    """(energy unit, length unit) of a surface: ("eV", "Å") for LEPS, ("a.u.", "a.u.") for the
    surfaces in arbitrary units."""
    return ("eV", "Å") if surface.energy_unit == "eV" else ("a.u.", "a.u.")


def surface_on_grid(model: SurfaceMLP, surface: Surface2D, n: int = 60, offset: float = 0.0
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


def surface_checkpoint(model: SurfaceMLP, metadata: dict | None = None) -> dict:
    """A checkpoint of plain tensors, numbers and strings (loads with ``torch.load(weights_only=True)``)."""
    return {
        "format": SURFACE_CHECKPOINT_FORMAT, "kind": "surface",
        "config": {"width": model.width, "depth": model.depth, "n_inputs": model.n_inputs},
        "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": dict(metadata or {}),
    }


def surface_model_from_checkpoint(checkpoint: dict) -> SurfaceMLP:
    """The SurfaceMLP of a :func:`surface_checkpoint` dictionary."""
    if checkpoint.get("format") != SURFACE_CHECKPOINT_FORMAT:
        raise ValueError("not an NN-PES Lab surface model (unknown format)")
    model = SurfaceMLP(**checkpoint["config"]).to(getattr(torch, checkpoint.get("dtype", "float64")))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()
