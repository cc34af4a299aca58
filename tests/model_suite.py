"""The reusable model test suite (NequIP-style): what every model kind must (or must not) satisfy.

Each test takes a ``ModelCase``: a model kind, random weights on a slightly distorted ethanol or a model
trained for about a second on Morse-labelled water, and the dtype the check runs in. The fixtures that
hand out cases live in conftest.py (the trained models are built once per session); the tests in
test_model_*.py use the helpers below so that each claim is written once for every kind.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms

from nnpes_core.data import molecule
from nnpes_core.models import Committee, build_model
from nnpes_core.training import TrainingConfig, train, train_new_model

ALL_KINDS = ("cartesian", "direct", "bp", "equivariant", "committee")
SYMMETRIC_KINDS = ("direct", "bp", "equivariant", "committee")  # symmetry built in
CONSERVATIVE_KINDS = ("cartesian", "bp", "equivariant", "committee")  # forces = -dE/dR
LOCAL_KINDS = ("direct", "bp", "equivariant", "committee")  # energy = sum of atomic energies
STATES = ("random", "trained")
DTYPES = (torch.float64, torch.float32)

# Small networks: the checks are about structure, not accuracy, and must run in a blink.
MODEL_OPTIONS = {
    "cartesian": dict(hidden=(32, 32)),
    "direct": dict(hidden=(16, 16), force_hidden=16),
    "bp": dict(hidden=(16, 16)),
    "equivariant": dict(channels=8, radial_hidden=16),
}
COMMITTEE_SIZE = 2  # members, each a bp model
# Fixed epoch counts (not a time budget), so that the "trained" models are the same on a fast laptop
# and on a busy CI machine: about one second each on one thread, on ~50 water structures.
FIT_EPOCHS = {"cartesian": 80, "direct": 40, "bp": 40, "equivariant": 15, "committee": 40}


@dataclass(frozen=True)
class Tolerance:
    """|error| <= absolute + relative * scale (scale: |E| in eV or max |F| in eV/Å)."""

    absolute: float
    relative: float

    def bound(self, scale: float) -> float:
        return self.absolute + self.relative * scale


# Symmetry, additivity, round trips: round-off of the dtype (measured: ~1e-14 in float64, ~1e-6 in float32).
TOLERANCE = {torch.float64: Tolerance(1e-10, 1e-10), torch.float32: Tolerance(1e-4, 1e-4)}
# Finite differences at their best step: truncation and round-off meet near eps^(2/3) relative
# (measured best errors: ~1e-9 eV/Å in float64, ~1e-3 eV/Å in float32 for forces of a few eV/Å).
FINITE_DIFFERENCE_TOLERANCE = {torch.float64: Tolerance(1e-7, 1e-7), torch.float32: Tolerance(1e-2, 1e-2)}
CLEAR_VIOLATION_EV = 1e-3  # a symmetry error this large is not round-off (far above float32's 1e-4)


@dataclass
class ModelCase:
    kind: str
    state: str  # "random" (random weights, ethanol) or "trained" (about a second on Morse water)
    dtype: torch.dtype
    model: torch.nn.Module  # float64; the analysis functions run it in ``dtype``
    atoms: Atoms  # the molecule the checks run on

    @property
    def tolerance(self) -> Tolerance:
        return TOLERANCE[self.dtype]

    def model_in_dtype(self) -> torch.nn.Module:
        """A copy of the model in the case's dtype (tests may hand it to code that moves it)."""
        return copy.deepcopy(self.model).to(self.dtype)

    def __repr__(self) -> str:
        return f"{self.kind}-{self.state}-{str(self.dtype).replace('torch.', '')}"


def case_id(param: tuple) -> str:
    kind, state, dtype = param
    return f"{kind}-{state}-{str(dtype).replace('torch.', '')}"


def case_params(kinds) -> list[tuple]:
    return [(kind, state, dtype) for kind in kinds for state in STATES for dtype in DTYPES]


def distorted_ethanol(seed: int = 0, amplitude: float = 0.05) -> Atoms:
    """Ethanol with every atom moved a little (seeded): no accidental symmetry makes a force vanish."""
    atoms = molecule("ethanol")
    atoms.positions += amplitude * np.random.default_rng(seed).standard_normal(atoms.positions.shape)
    return atoms


def untrained_model(kind: str, numbers, seed: int = 0) -> torch.nn.Module:
    """A float64 model with random weights (seeded without touching torch's global generator)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "committee":
            members = [build_model("bp", numbers, **MODEL_OPTIONS["bp"]) for _ in range(COMMITTEE_SIZE)]
            model = Committee(members)
        else:
            model = build_model(kind, numbers, **MODEL_OPTIONS[kind])
    return model.double().eval()


def quick_config(**overrides) -> TrainingConfig:
    settings = dict(epochs=40, time_budget=None, batch_size=16, learning_rate=1e-2, device="cpu", seed=0,
                    threads=1)
    return TrainingConfig(**{**settings, **overrides})


def trained_model(kind: str, train_frames, val_frames):
    """A float64 model of ``kind`` trained for FIT_EPOCHS[kind] epochs (a committee: each member)."""
    if kind == "committee":
        members = []
        for seed in range(COMMITTEE_SIZE):
            member = untrained_model("bp", sorted(set(train_frames[0].numbers)), seed=seed)
            config = quick_config(epochs=FIT_EPOCHS["committee"], seed=seed)
            members.append(train(member, train_frames, val_frames, config).model)
        return Committee(members).eval()
    return train_new_model(kind, train_frames, val_frames, quick_config(epochs=FIT_EPOCHS[kind]),
                           **MODEL_OPTIONS[kind]).model


def far_apart(first: Atoms, second: Atoms, distance: float = 20.0) -> Atoms:
    """Both molecules in one structure, ``second`` moved along x to a gap of ``distance`` Å."""
    shifted = second.copy()
    shifted.translate([first.positions[:, 0].max() - second.positions[:, 0].min() + distance, 0.0, 0.0])
    return first + shifted
