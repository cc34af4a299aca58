"""The claims of lesson 4 as small experiments that really train models and measure them.

- ``forces_only_offset``: train with alpha = 0 (forces only); the energy comes out right up to one
  constant, E_model = E_ref + c. Returns c and the spread of E_model - E_ref around it.
- ``equal_cost_curves``: N reference calculations give N energies *and* N x 3 x n_atoms force
  components at once (one SCF + its analytic gradient). Learning curves of "energies only" (beta = 0)
  against "energies + forces" over N, measured on the same test set.
- ``rotation_test``: the Cartesian MLP fits its (fixed-orientation) training data but fails on the
  same test molecules rotated; a Behler-Parrinello model trained alike does not care.

Each returns plain numbers and arrays (errors in meV per atom and meV/Å, energies in eV) for a table
or a figure; ``evaluate`` and ``parity_data`` measure any trained model on labelled structures.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.augmentation import rotated_test_set
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.models import build_model, elements_for
from nnpes_core.training import TrainingConfig, TrainingResult, error_metrics, predict, resolve_device, train

Progress = Callable[[int, int, str], None]  # (done, total, what is running now)


def _model_place(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    parameter = next(model.parameters())
    return parameter.device, parameter.dtype


def labelled_batch(model: nn.Module, data: Sequence[Atoms] | SurfacePoints) -> AtomicBatch | SurfacePoints:
    """The labelled structures (or 2-D points) as one batch on the model's device, in its dtype."""
    device, dtype = _model_place(model)
    if isinstance(data, SurfacePoints):
        return data.to(device, dtype)
    return AtomicBatch.from_atoms(list(data), model.cutoff_radius, dtype=dtype, device=device)


def evaluate(model: nn.Module, frames: Sequence[Atoms]) -> dict:
    """Errors of ``model`` on labelled ``frames``: energy MAE (meV/atom, meV), force MAE/RMSE (meV/Å)."""
    model.eval()
    return error_metrics(model, labelled_batch(model, frames))


@dataclass
class ParityData:
    """Reference and predicted labels of a test set, flattened for parity plots."""

    reference_energy: np.ndarray  # [n_structures] eV
    predicted_energy: np.ndarray  # [n_structures] eV
    reference_forces: np.ndarray  # [n_atoms * 3] eV/Å
    predicted_forces: np.ndarray  # [n_atoms * 3] eV/Å
    atoms_per_structure: np.ndarray  # [n_structures]


def parity_data(model: nn.Module, data: Sequence[Atoms] | SurfacePoints) -> ParityData:
    """Model against reference on labelled structures (or 2-D points), as numpy arrays (float64)."""
    model.eval()
    batch = labelled_batch(model, data)
    energy, forces = predict(model, batch)
    as_numpy = lambda tensor: tensor.detach().double().cpu().numpy()  # noqa: E731
    return ParityData(as_numpy(batch.energy), as_numpy(energy), as_numpy(batch.forces).ravel(),
                      as_numpy(forces).ravel(), as_numpy(batch.atoms_per_structure).astype(int))


def evaluate_test_set(model: nn.Module, test_data: Sequence[Atoms] | SurfacePoints) -> tuple[dict, ParityData]:
    """(errors, parity data) on a test set: energy_mae, energy_rmse (per atom), force_mae, force_rmse in
    meV/atom and meV/Å for structures, in the surface's own units for a 2-D surface; plus energy_offset,
    the mean E_model - E_ref in eV (or surface units), the constant a forces-only model cannot know."""
    model.eval()
    batch = labelled_batch(model, test_data)
    metrics = error_metrics(model, batch)
    parity = parity_data(model, test_data)
    per_atom = (parity.predicted_energy - parity.reference_energy) / parity.atoms_per_structure
    summary = {"energy_mae": metrics["energy_mae_per_atom"],
               "energy_rmse": batch.error_scale * float(np.sqrt(np.mean(per_atom**2))),
               "force_mae": metrics["force_mae"], "force_rmse": metrics["force_rmse"]}
    summary["energy_offset"] = float(np.mean(parity.predicted_energy - parity.reference_energy))
    summary["n_test"] = len(parity.reference_energy)
    return summary, parity


def fit(kind: str, train_frames: Sequence[Atoms], val_frames: Sequence[Atoms] | None, config: TrainingConfig,
        use_forces: bool = True, callback=None, **model_options) -> TrainingResult:
    """Train a new model; ``use_forces=False`` trains on energies only (beta = 0) and keeps the force
    labels out of everything, the output scale included (it then comes from the energy spread)."""
    model = build_model(kind, elements_for(kind, train_frames), seed=config.seed, **model_options)
    if use_forces:
        return train(model, train_frames, val_frames, config, callback)
    device, dtype = resolve_device(config.device), getattr(torch, config.dtype)
    model = model.to(device=device, dtype=dtype)
    batch = AtomicBatch.from_atoms(list(train_frames), model.cutoff_radius, dtype=dtype, device=device)
    model.fit_to_data(replace(batch, forces=None), use_energies=True)
    # the force labels stay in the batch only because the loss function expects them: beta = 0 weights
    # them by zero, so no gradient ever flows from them
    return train(model, batch, val_frames, replace(config, beta=0.0), callback, fit_normalisation=False)


def history_arrays(history: Sequence, rmse_scale: float = 1e3) -> dict[str, np.ndarray]:
    """EpochReports as arrays for the loss-curve figure: the training terms (mean squares) as RMSE
    times ``rmse_scale`` (1e3: eV -> meV, the unit of the validation MAEs), NaN where not measured."""
    column = lambda values: np.array([np.nan if v is None else float(v) for v in values])  # noqa: E731
    return {
        "epoch": np.array([r.epoch for r in history], dtype=int),
        "elapsed": column(r.elapsed for r in history),
        "train_loss": column(r.train_loss for r in history),
        "val_loss": column(r.val_loss for r in history),
        "train_energy_rmse": rmse_scale * np.sqrt(column(r.train_energy_loss for r in history)),
        "val_energy_mae": column(r.val_energy_mae for r in history),
        "train_force_rmse": rmse_scale * np.sqrt(column(r.train_force_loss for r in history)),
        "val_force_mae": column(r.val_force_mae for r in history),
        "structures_per_second": column(r.structures_per_second for r in history),
    }


# --- (a) forces only: the energy up to a constant ------------------------------------------------

@dataclass
class OffsetResult:
    reference: np.ndarray  # [n_test] eV, reference energies of the test set
    predicted: np.ndarray  # [n_test] eV, the forces-only model's energies
    offset: float  # c = mean(E_model - E_ref), eV
    spread: float  # standard deviation of E_model - E_ref, eV
    force_mae: float  # test force MAE, meV/Å
    epochs: int
    seconds: float
    model: nn.Module = field(repr=False)

    @property
    def shifted(self) -> np.ndarray:
        """E_model - c: on top of the reference when only the constant is missing, [n_test] eV."""
        return self.predicted - self.offset


def forces_only_offset(kind: str, train_frames: Sequence[Atoms], val_frames: Sequence[Atoms] | None,
                       test_frames: Sequence[Atoms], config: TrainingConfig, callback=None,
                       **model_options) -> OffsetResult:
    """Train with alpha = 0 and measure E_model - E_ref on the test set: a constant plus a small spread."""
    result = fit(kind, train_frames, val_frames, replace(config, alpha=0.0, beta=config.beta or 1.0),
                 callback=callback, **model_options)
    parity = parity_data(result.model, test_frames)
    difference = parity.predicted_energy - parity.reference_energy
    force_mae = 1e3 * float(np.abs(parity.predicted_forces - parity.reference_forces).mean())
    return OffsetResult(parity.reference_energy, parity.predicted_energy, float(difference.mean()),
                        float(difference.std()), force_mae, result.epochs_run, result.elapsed, result.model)


# --- (b) equal cost: energies only against energies + forces -------------------------------------

SETTINGS = {"energies only": False, "energies + forces": True}


@dataclass
class EqualCostResult:
    sizes: list[int]  # N, the number of reference calculations (structures) in the training set
    energy_mae: dict[str, np.ndarray]  # setting -> [n_sizes] test energy MAE, meV/atom
    force_mae: dict[str, np.ndarray]  # setting -> [n_sizes] test force MAE, meV/Å
    steps: int  # optimiser steps per fit (the same for every fit)
    seconds: float


def epochs_for_steps(n_structures: int, batch_size: int, steps: int) -> int:
    """Epochs that make about ``steps`` optimiser steps on ``n_structures`` (at least one epoch)."""
    return max(1, math.ceil(steps / math.ceil(n_structures / batch_size)))


def equal_cost_curves(kind: str, pool: Sequence[Atoms], test_frames: Sequence[Atoms], sizes: Sequence[int],
                      config: TrainingConfig, steps: int = 400, seed: int = 0,
                      progress: Progress | None = None, **model_options) -> EqualCostResult:
    """For each N: train on the first N of a seeded shuffle of ``pool``, once with energies only and
    once with energies + forces, for the same number of optimiser steps and without a validation set
    (validation data would be extra reference calculations); test errors of the final model."""
    order = np.random.default_rng(seed).permutation(len(pool))
    sizes = [int(n) for n in sizes if 0 < n <= len(pool)]
    energy_mae = {name: np.full(len(sizes), np.nan) for name in SETTINGS}
    force_mae = {name: np.full(len(sizes), np.nan) for name in SETTINGS}
    total, done, seconds = 2 * len(sizes), 0, 0.0
    for column, n in enumerate(sizes):
        subset = [pool[i] for i in order[:n]]
        run_config = replace(config, epochs=epochs_for_steps(n, config.batch_size, steps), time_budget=None,
                             patience=None, checkpoint_path=None)
        for name, use_forces in SETTINGS.items():
            if progress is not None:
                progress(done, total, f"{name}, N = {n}")
            result = fit(kind, subset, None, run_config, use_forces=use_forces, **model_options)
            errors = evaluate(result.model, test_frames)
            energy_mae[name][column] = errors["energy_mae_mev_per_atom"]
            force_mae[name][column] = errors["force_mae_mev_per_a"]
            seconds += result.elapsed
            done += 1
    if progress is not None:
        progress(total, total, "done")
    return EqualCostResult(sizes, energy_mae, force_mae, steps, seconds)


# --- (c) the Cartesian MLP and rotated molecules -------------------------------------------------

def rotated_copies(frames: Sequence[Atoms], seed: int = 0) -> list[Atoms]:
    """Each structure turned by its own uniformly random rotation Q about its centre, labels included:
    the energy is unchanged and the forces turn with the molecule (``data.augmentation.rotated_test_set``)."""
    return rotated_test_set(frames, seed)[0]


@dataclass
class RotationResult:
    kinds: list[str]
    errors: dict[str, dict[str, dict]]  # kind -> {"training set", "test set", "rotated test set"} -> evaluate()
    seconds: dict[str, float]  # kind -> training time, s

    def table(self, quantity: str = "force_mae_mev_per_a") -> dict[str, list[float]]:
        """kind -> [training, test, rotated test] values of one error metric."""
        return {kind: [self.errors[kind][part][quantity] for part in PARTS] for kind in self.kinds}


PARTS = ("training set", "test set", "rotated test set")


def rotation_test(train_frames: Sequence[Atoms], val_frames: Sequence[Atoms] | None, test_frames: Sequence[Atoms],
                  config: TrainingConfig, kinds: Sequence[str] = ("cartesian", "bp"), seed: int = 0,
                  progress: Progress | None = None, model_options: dict | None = None) -> RotationResult:
    """Train each kind alike and measure it on its training set, the test set, and the test set rotated."""
    rotated = rotated_copies(test_frames, seed=seed)
    errors, seconds = {}, {}
    for done, kind in enumerate(kinds):
        if progress is not None:
            progress(done, len(kinds), f"training the {kind} model")
        options = copy.deepcopy((model_options or {}).get(kind, {}))
        result = fit(kind, train_frames, val_frames, config, **options)
        errors[kind] = {part: evaluate(result.model, frames)
                        for part, frames in zip(PARTS, (train_frames, test_frames, rotated))}
        seconds[kind] = result.elapsed
    if progress is not None:
        progress(len(kinds), len(kinds), "done")
    return RotationResult(list(kinds), errors, seconds)
