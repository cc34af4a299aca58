"""Training settings for a metal: the shared trainer (nnpes_core.training) with crystal-sized choices.

Nothing here is a new training loop; it only says which model options and settings suit periodic
supercells of an fcc metal, measured on EMT copper (assets/scripts/make_materials_data.py):

- cutoff 4.2 Å: the first two neighbour shells of Cu (2.54 and 3.59 Å). EMT itself is dominated
  by the first shell: its density and pair terms fall by about e^-3 per Å beyond it, so the second shell
  adds a few per cent and the third (4.40 Å) well under one per cent;
- Behler-Parrinello with a lean angular set (zeta 1 and 4, two widths): in a crystal every atom has
  many neighbour pairs, and the angular terms cost per pair of neighbours;
- small minibatches (4 supercells of ~32 atoms = about 128 atomic environments per step, like 32 water
  molecules of lesson 4): more optimiser steps per second of training;
- a larger energy weight alpha: defect energies are energy *differences* of a few tens of meV per atom,
  so the energy per atom must be learned to a few meV, not only the forces.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from ase import Atoms

from nnpes_core.calculator import NNPESCalculator
from nnpes_core.training import EpochReport, TrainingConfig, TrainingResult, default_config, train_new_model

CRYSTAL_CUTOFF = 4.2  # Å
MODEL_OPTIONS = {
    "bp": dict(cutoff_radius=CRYSTAL_CUTOFF, zetas=(1.0, 4.0), angular_etas=(0.01, 0.1), hidden=(32, 32)),
    "equivariant": dict(cutoff_radius=CRYSTAL_CUTOFF, channels=16, radial_hidden=32),
}
TRAINING_OPTIONS = {
    "bp": dict(batch_size=4, alpha=10.0, beta=1.0),
    "equivariant": dict(batch_size=4, alpha=10.0, beta=1.0),
}


def crystal_training_config(kind: str, **overrides):
    """``default_config(kind)`` with the crystal settings above, then ``overrides``."""
    if kind not in MODEL_OPTIONS:
        raise ValueError(f"crystal models are {', '.join(MODEL_OPTIONS)}, not {kind!r}")
    return default_config(kind, **{**TRAINING_OPTIONS[kind], **overrides})


def train_crystal_model(kind: str, train_frames: Sequence[Atoms], val_frames: Sequence[Atoms] | None,
                        callback: Callable[[EpochReport], bool | None] | None = None,
                        config: TrainingConfig | None = None, **overrides) -> TrainingResult:
    """A seeded ``kind`` model with the crystal options, trained by the shared trainer on periodic data.

    ``config`` defaults to ``crystal_training_config(kind, **overrides)`` (overrides: TrainingConfig
    fields such as epochs, time_budget, seed, device)."""
    config = config or crystal_training_config(kind, **overrides)
    return train_new_model(kind, list(train_frames), val_frames, config, callback, **MODEL_OPTIONS[kind])


# The calculator's Verlet skin: its neighbour list reaches cutoff + skin and is reused while no atom has
# moved more than half the skin. The default 0.5 Å would take the list to 4.7 Å, past copper's third
# shell (24 atoms at 4.40 Å): 42 listed neighbours instead of 18, and about 5x more angular triplets for
# a model that only looks inside 4.2 Å. A thin skin rebuilds the list more often, which is far cheaper.
CRYSTAL_SKIN = 0.1  # Å


def crystal_calculator(model, dtype: torch.dtype | None = torch.float64, device: str = "cpu") -> NNPESCalculator:
    """A model as an ASE calculator for crystal work: float64 by default and a thin skin (see above)."""
    return NNPESCalculator(model, device=device, dtype=dtype, skin=CRYSTAL_SKIN)
