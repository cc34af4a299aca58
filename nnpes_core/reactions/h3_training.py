"""Where the data is: H3 training sets with and without structures along the reaction path, and the one
recipe (a small Behler-Parrinello model, the shared trainer) used by the shipped models and the page.

Both sets have the same size; they differ only in where the structures lie:

    valleys only:      n structures in the reactant/product valley (``valley_structures``)
    valleys + path:    (1 - f) n of those and f n near the reference path (``path_structures``)

so any difference in the barrier comes from the data, not from the model or the training.
"""
from __future__ import annotations

from typing import Callable

from ase import Atoms
from ase.calculators.calculator import Calculator

from nnpes_core.data import split_dataset
from nnpes_core.reactions.h3 import path_structures, valley_structures
from nnpes_core.reactions.neb import ReactionPath
from nnpes_core.training import EpochReport, TrainingConfig, TrainingResult, default_config, train_new_model

# Cutoff 4 Å (H at 30 Å is "separated" for sure), two small hidden layers: H3 needs no more.
H3_MODEL_OPTIONS = dict(cutoff_radius=4.0, hidden=(32, 32))
VALIDATION_FRACTION = 0.15


def h3_training_set(reference_path: ReactionPath, calculator: Calculator, n_structures: int,
                    path_fraction: float, seed: int = 0) -> list[Atoms]:
    """``n_structures`` labelled H3 structures, a fraction ``path_fraction`` (0-1) of them near the path."""
    if n_structures < 10:
        raise ValueError("use at least 10 structures (some are held out for validation)")
    if not 0.0 <= path_fraction <= 1.0:
        raise ValueError(f"the fraction along the path must lie between 0 and 1, got {path_fraction}")
    n_path = round(path_fraction * n_structures)
    frames = valley_structures(n_structures - n_path, calculator, seed=seed) if n_path < n_structures else []
    if n_path:
        frames += path_structures(reference_path, n_path, calculator, seed=seed + 1)
    return frames


def h3_training_config(**overrides) -> TrainingConfig:
    """The shipped models' settings (float64, seeded, one CPU thread), with any field overridden."""
    settings = dict(epochs=600, seed=0, device="cpu", dtype="float64", threads=1)
    return default_config("bp", **{**settings, **overrides})


def train_h3_model(frames: list[Atoms], config: TrainingConfig,
                   callback: Callable[[EpochReport], bool | None] | None = None) -> TrainingResult:
    """A Behler-Parrinello model trained on ``frames`` (15 % held out for validation, seeded)."""
    train_frames, val_frames = split_dataset(frames, (1 - VALIDATION_FRACTION, VALIDATION_FRACTION), seed=config.seed)
    return train_new_model("bp", train_frames, val_frames, config, callback, **H3_MODEL_OPTIONS)
