"""Can a model learn rotational invariance from data? The Cartesian MLP trained with augmentation.

The experiment of the symmetry lesson: train the Cartesian MLP (which has no symmetry built in) on the
same water structures with 0, 10, 100 random rotations of each (``data.augment_with_rotations``),
with the same number of optimiser steps, and measure on held-out test structures turned by random
rotations Q:

- the symmetry error of the model itself, mean |E(QR) - E(R)| (eV) and mean |F(QR) - Q F(R)| (eV/Å),
  which is round-off for a model with symmetry built in (Behler-Parrinello, equivariant);
- its accuracy against the reference, unrotated and rotated (energy and force MAE).

More rotations shrink the symmetry error, but it stays many orders of magnitude above round-off: a
finite sample of orientations never covers all of SO(3).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import energies_and_forces
from nnpes_core.data.augmentation import augment_with_rotations, rotated_test_set
from nnpes_core.training import EpochReport, default_config, train_new_model

Progress = Callable[[float, str], None]  # progress(fraction done in [0, 1], message)


@dataclass(frozen=True)
class AugmentationSettings:
    """How big the experiment is; ``LECTURE`` finishes in seconds, ``FULL`` in about half a minute."""

    n_structures: int = 100  # training structures before augmentation
    rotation_counts: tuple[int, ...] = (0, 10, 100)  # random rotations per structure
    steps: int = 1500  # optimiser steps per model, the same for every rotation count
    batch_size: int = 64
    n_validation: int = 20  # validation structures (augmented with up to 10 rotations each)
    n_test: int = 50  # held-out test structures, each turned by one random rotation
    learning_rate: float = 3e-3
    dtype: str = "float32"
    seed: int = 0


FULL = AugmentationSettings()
LECTURE = AugmentationSettings(n_structures=50, steps=600, n_test=30)


@dataclass
class RotationErrors:
    """Symmetry and accuracy errors of one model on rotated test structures (means over structures)."""

    energy_invariance_ev: float  # mean |E(QR) - E(R)|
    force_equivariance_ev_per_a: float  # mean over components |F(QR) - Q F(R)|
    energy_mae_ev: float  # mean |E(R) - E_ref| on the test structures as they are
    energy_mae_rotated_ev: float  # mean |E(QR) - E_ref|
    force_mae_ev_per_a: float  # mean |F(R) - F_ref|
    force_mae_rotated_ev_per_a: float  # mean |F(QR) - Q F_ref|


@dataclass
class AugmentationRun:
    """One trained Cartesian model and its errors."""

    n_rotations: int
    n_train: int  # structures after augmentation
    epochs: int
    seconds: float
    errors: RotationErrors
    model: nn.Module


def rotation_errors(model: nn.Module, test_frames: Sequence[Atoms], rotated_frames: Sequence[Atoms],
                    rotations: np.ndarray, dtype: torch.dtype = torch.float32) -> RotationErrors:
    """Errors of ``model`` on the test structures and their rotated copies (labels from ``atoms.calc``)."""
    energy, forces = energies_and_forces(model, list(test_frames), dtype)
    energy_rotated, forces_rotated = energies_and_forces(model, list(rotated_frames), dtype)
    reference_energy = np.array([atoms.get_potential_energy() for atoms in test_frames])
    reference_forces = [atoms.get_forces() for atoms in test_frames]
    moved = [f @ q.T for f, q in zip(forces, rotations)]  # Q F(R)
    moved_reference = [f @ q.T for f, q in zip(reference_forces, rotations)]  # Q F_ref

    def mean_abs(first, second) -> float:
        return float(np.mean(np.abs(np.concatenate(first) - np.concatenate(second))))

    return RotationErrors(
        energy_invariance_ev=float(np.mean(np.abs(energy_rotated - energy))),
        force_equivariance_ev_per_a=mean_abs(forces_rotated, moved),
        energy_mae_ev=float(np.mean(np.abs(energy - reference_energy))),
        energy_mae_rotated_ev=float(np.mean(np.abs(energy_rotated - reference_energy))),
        force_mae_ev_per_a=mean_abs(forces, reference_forces),
        force_mae_rotated_ev_per_a=mean_abs(forces_rotated, moved_reference),
    )


def epochs_for_steps(n_structures: int, steps: int, batch_size: int) -> int:
    """Epochs that give about ``steps`` optimiser steps on ``n_structures`` (at least one)."""
    return max(1, math.ceil(steps / math.ceil(n_structures / batch_size)))


@dataclass
class AugmentationStudy:
    """The Cartesian runs, the same errors for models with symmetry built in, and the round-off level."""

    runs: list[AugmentationRun]
    floors: dict[str, RotationErrors]  # name -> errors of a symmetric model on the same test structures
    energy_resolution_ev: float  # spacing of float64 numbers at the test energies: totals are summed in float64
    settings: AugmentationSettings

    def rows(self) -> list[dict]:
        """One row per Cartesian run for a table: sizes, time, symmetry errors and MAEs (meV, meV/Å)."""
        return [{
            "rotations per structure": run.n_rotations, "training structures": run.n_train,
            "epochs": run.epochs, "training time (s)": round(run.seconds, 1),
            "mean |E(QR) − E(R)| (meV)": 1e3 * run.errors.energy_invariance_ev,
            "mean |F(QR) − Q F(R)| (meV/Å)": 1e3 * run.errors.force_equivariance_ev_per_a,
            "energy MAE, test (meV)": 1e3 * run.errors.energy_mae_ev,
            "energy MAE, rotated test (meV)": 1e3 * run.errors.energy_mae_rotated_ev,
            "force MAE, test (meV/Å)": 1e3 * run.errors.force_mae_ev_per_a,
            "force MAE, rotated test (meV/Å)": 1e3 * run.errors.force_mae_rotated_ev_per_a,
        } for run in self.runs]


def augmentation_study(train_frames: Sequence[Atoms], val_frames: Sequence[Atoms], test_frames: Sequence[Atoms],
                       settings: AugmentationSettings = FULL, symmetric_models: Mapping[str, nn.Module] | None = None,
                       progress: Progress | None = None) -> AugmentationStudy:
    """Train one Cartesian model per rotation count (same steps, same seed) and measure each.

    Uses the first ``settings.n_structures`` / ``n_validation`` / ``n_test`` structures of the given
    sets. ``symmetric_models`` (name -> model, e.g. Behler-Parrinello) are measured on the same rotated
    test structures, in the same dtype: the floor the Cartesian model is compared with.
    ``progress(fraction, message)`` is called after every epoch.
    """
    train_frames = list(train_frames)[:settings.n_structures]
    val_frames = list(val_frames)[:settings.n_validation]
    test_frames = list(test_frames)[:settings.n_test]
    rotated, rotations = rotated_test_set(test_frames, seed=settings.seed + 1)
    dtype = getattr(torch, settings.dtype)
    floors = {name: rotation_errors(model, test_frames, rotated, rotations, dtype)
              for name, model in (symmetric_models or {}).items()}
    mean_energy = np.mean([abs(atoms.get_potential_energy()) for atoms in test_frames])
    resolution = float(np.spacing(np.float64(mean_energy)))  # whatever the network's dtype (models/base.py)
    runs: list[AugmentationRun] = []
    n_runs = len(settings.rotation_counts)
    for index, n_rotations in enumerate(settings.rotation_counts):
        data = augment_with_rotations(train_frames, n_rotations, seed=settings.seed)
        validation = augment_with_rotations(val_frames, min(n_rotations, 10), seed=settings.seed + 2)
        epochs = epochs_for_steps(len(data), settings.steps, settings.batch_size)
        config = default_config("cartesian", epochs=epochs, batch_size=settings.batch_size, device="cpu",
                                learning_rate=settings.learning_rate, dtype=settings.dtype, seed=settings.seed,
                                validate_every=max(1, epochs // 20))

        def report(epoch: EpochReport, index=index, n_rotations=n_rotations, epochs=epochs) -> None:
            if progress is not None:
                progress((index + epoch.epoch / epochs) / n_runs,
                         f"{n_rotations} rotations per structure: epoch {epoch.epoch} of {epochs}")

        start = time.perf_counter()
        result = train_new_model("cartesian", data, validation, config, callback=report)
        seconds = time.perf_counter() - start
        errors = rotation_errors(result.model, test_frames, rotated, rotations, dtype)
        runs.append(AugmentationRun(n_rotations, len(data), result.epochs_run, seconds, errors, result.model))
    if progress is not None:
        progress(1.0, "done")
    return AugmentationStudy(runs, floors, resolution, settings)
