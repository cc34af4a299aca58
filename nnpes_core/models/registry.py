"""The model registry: every kind of model the course has, what it can do, and how to build one.

A new kind is added here, once: the CLI's ``--model`` choices, the pages' menus, the training defaults
and the test suite's parametrisation all read this table.

Capabilities, as the lessons use the words:

- conservative: forces are -dE/dR (lesson 6); the direct-force networks are the counter-example;
- invariant: energy unchanged by rotation, reflection, translation and permutation of same-element
  atoms (lesson 2); the Cartesian MLP is the counter-example;
- local: the energy is a sum of atomic energies within a cutoff (lesson 3), hence O(N) and additive for
  far-apart molecules;
- world: "atomistic" (takes an AtomicBatch of molecules or crystals) or "surface" (points on a 2-D
  surface E(x, y)).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
from torch import nn

from nnpes_core.models.behler_parrinello import BehlerParrinello
from nnpes_core.models.cartesian import CartesianMLP
from nnpes_core.models.direct import DirectForceNet
from nnpes_core.models.equivariant import EquivariantMPNN
from nnpes_core.models.surface import SurfaceDirectForce, SurfaceMLP

ATOMISTIC, SURFACE = "atomistic", "surface"


@dataclass(frozen=True)
class ModelKind:
    name: str
    model_class: type[nn.Module]
    label: str  # short name for menus
    description: str  # one line: what it is
    world: str  # ATOMISTIC or SURFACE
    elements: str  # which inputs it accepts, in words
    counter_example: bool = False
    # TrainingConfig fields measured to work well for this kind (benchmarks/train_water.py for the
    # atomistic kinds): float32 trains about twice as many epochs per second on a CPU, and checks and
    # dynamics convert the trained weights to float64 (load_model(dtype=...)).
    training_defaults: dict[str, Any] = field(default_factory=dict)

    # the capabilities are properties of the model class itself (a model file defines its model)
    @property
    def conservative(self) -> bool:
        return self.model_class.conservative

    @property
    def invariant(self) -> bool:
        return self.model_class.invariant

    @property
    def local(self) -> bool:
        return self.model_class.local


# The robust recipe of the atomistic kinds (issue 9, benchmarks/train_molecules.py): keep the epoch with
# the lowest validation mean absolute error (a few stretched hot structures dominate the squared loss)
# and validate and keep an exponential moving average of the weights (a window of ~500 steps), so a
# longer budget does not end worse than a shorter one.
ROBUST: dict[str, Any] = dict(selection="mae", ema_decay=0.998)

KINDS: dict[str, ModelKind] = {spec.name: spec for spec in (
    ModelKind("cartesian", CartesianMLP, "Cartesian MLP",
              "MLP on raw Cartesian coordinates (not invariant: the counter-example)", ATOMISTIC,
              elements="one molecule, with its atoms always in the same order", counter_example=True,
              training_defaults=dict(learning_rate=3e-3, batch_size=32, epochs=500, dtype="float32", **ROBUST)),
    ModelKind("direct", DirectForceNet, "direct-force network",
              "network predicting forces directly (not conservative: the counter-example)", ATOMISTIC,
              elements="any structures of the trained elements",
              counter_example=True,
              training_defaults=dict(learning_rate=5e-3, batch_size=32, epochs=500, dtype="float32", **ROBUST)),
    ModelKind("bp", BehlerParrinello, "Behler-Parrinello",
              "Behler-Parrinello: G2/G4 symmetry functions + per-element MLPs", ATOMISTIC,
              elements="any structures of the trained elements",
              training_defaults=dict(learning_rate=5e-3, batch_size=32, epochs=500, dtype="float32", **ROBUST)),
    ModelKind("equivariant", EquivariantMPNN, "Equivariant MPNN",
              "E(3)-equivariant message passing, features up to l = 2", ATOMISTIC,
              elements="any structures of the trained elements",
              training_defaults=dict(learning_rate=5e-3, batch_size=16, epochs=300, dtype="float32", **ROBUST)),
    ModelKind("surface", SurfaceMLP, "surface MLP",
              "MLP energy E(x, y) of a 2-D surface; forces -grad E", SURFACE,
              elements="points (x, y) of one 2-D surface",
              training_defaults=dict(learning_rate=5e-3, batch_size=32, epochs=300, dtype="float64")),
    ModelKind("surface-direct", SurfaceDirectForce, "direct-force MLP (2-D)",
              "MLP with separate energy and force outputs on a 2-D surface (not conservative)", SURFACE,
              elements="points (x, y) of one 2-D surface",
              counter_example=True,
              training_defaults=dict(learning_rate=5e-3, batch_size=32, epochs=300, dtype="float64")),
)}


def model_kinds(world: str | None = None, counter_examples: bool = True) -> list[str]:
    """Names of the registered kinds, in registry order (optionally of one world, without the
    counter-examples)."""
    return [name for name, spec in KINDS.items()
            if (world is None or spec.world == world) and (counter_examples or not spec.counter_example)]


def kind_spec(kind: str) -> ModelKind:
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}: choose one of {', '.join(KINDS)}")
    return KINDS[kind]


def elements_for(kind: str, frames) -> list[int]:
    """What ``build_model`` needs to know of the data: the sorted elements of all ``frames`` (ase.Atoms),
    or, for the Cartesian MLP, the atomic numbers of its one molecule in order; [] for 2-D surfaces."""
    spec = kind_spec(kind)
    if spec.world == SURFACE:
        return []
    frames = list(frames)
    if kind == "cartesian":
        return [int(z) for z in frames[0].numbers]
    return sorted({int(z) for atoms in frames for z in atoms.numbers})


def build_model(kind: str, elements: Sequence[int] = (), *, seed: int | None = None,
                dtype: torch.dtype | None = None, **config) -> nn.Module:
    """A fresh model of a registered kind.

    ``elements`` are atomic numbers (for the Cartesian MLP: its molecule's atoms in order; unused for
    2-D surfaces; see ``elements_for``). With ``seed`` the weights are drawn from that seed without
    touching torch's global random state; ``dtype`` converts the new model; ``config`` goes to the
    model's constructor.
    """
    spec = kind_spec(kind)
    if spec.world == ATOMISTIC and not len(elements):
        raise ValueError(f"a {kind} model needs the atomic numbers it will see")

    def construct() -> nn.Module:
        if spec.world == SURFACE:
            return spec.model_class(**config)
        if kind == "cartesian":
            return spec.model_class(numbers=[int(z) for z in elements], **config)
        return spec.model_class(elements=[int(z) for z in elements], **config)

    if seed is None:
        model = construct()
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = construct()
    return model if dtype is None else model.to(dtype)
