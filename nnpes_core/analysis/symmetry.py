"""Symmetry checks: is the energy invariant and are the forces and the Hessian equivariant?

A physical potential energy does not change when the molecule is translated, rotated, reflected, or
when two atoms of the same element swap labels. With g: R_I -> Q R_p(I) + t (``nnpes_core.geometry``):

    E(g R) = E(R)                     (invariance)
    F_I(g R) = Q F_p(I)(R)            (equivariance; for a pure permutation F_I(pR) = F_p(I)(R))
    H_IJ(Q R) = Q H_IJ(R) Q^T         (the Hessian's 3x3 blocks turn with the molecule)

The functions here *measure* how far a model is from this, in eV, eV/Å and eV/Å²: round-off for the
models with symmetry built in, large numbers for the Cartesian MLP. ``symmetry_errors`` takes the worst
over random operations; ``user_operation`` / ``operation_effect`` / ``hessian_check`` are the hands-on
version of lesson 2, where a student picks the operation. Models come pretrained where they know the
molecule, else freshly initialised with a fixed seed: symmetry belongs to the architecture, so a
random-weight model obeys it just as well.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from ase import Atoms
from ase.data import chemical_symbols
from torch import nn

from nnpes_core.analysis.evaluation import energies_and_forces, model_hessian
from nnpes_core.geometry import (
    MIRROR_Z, SymmetryOperation, random_permutation, random_reflection, random_rotation, rotation_about_axis,
    swap_permutation,
)
from nnpes_core.models import build_model, elements_for

OPERATIONS = ("translation", "rotation", "reflection", "permutation")
SYMMETRY_KINDS = ("cartesian", "bp", "equivariant")


# --- the operations ---------------------------------------------------------------------------------

def random_operation(name: str, numbers: Sequence[int], rng: np.random.Generator,
                     translation_length: float = 3.0) -> SymmetryOperation:
    """One random operation of the kind ``name`` (translation, rotation, reflection, permutation)."""
    identity = np.arange(len(numbers))
    no_shift = np.zeros(3)
    if name == "translation":
        return SymmetryOperation(name, np.eye(3), translation_length * rng.standard_normal(3), identity)
    if name == "rotation":
        return SymmetryOperation(name, random_rotation(rng), no_shift, identity)
    if name == "reflection":
        return SymmetryOperation(name, random_reflection(rng), no_shift, identity)
    if name == "permutation":
        return SymmetryOperation(name, np.eye(3), no_shift, random_permutation(numbers, rng))
    raise ValueError(f"unknown operation {name!r}: choose from {', '.join(OPERATIONS)}")


def applicable_operations(atoms: Atoms) -> list[str]:
    """All four operations, without permutation when every element occurs once."""
    repeated = len(set(atoms.numbers.tolist())) < len(atoms)
    return [name for name in OPERATIONS if name != "permutation" or repeated]


def user_operation(n_atoms: int, axis: Sequence[float] = (0.0, 0.0, 1.0), angle_degrees: float = 0.0,
                   translation: Sequence[float] = (0.0, 0.0, 0.0), reflect: bool = False,
                   swap: tuple[int, int] | None = None) -> SymmetryOperation:
    """g: R_I -> Q R_p(I) + t from slider values: Q rotates by ``angle_degrees`` about ``axis`` (about
    the origin), after the mirror z -> -z when ``reflect``; t in Å; ``swap`` exchanges two atoms."""
    matrix = rotation_about_axis(axis, angle_degrees)
    if reflect:
        matrix = matrix @ MIRROR_Z
    parts = []
    if angle_degrees % 360:
        parts.append(f"rotation by {angle_degrees:g}° about ({', '.join(f'{a:g}' for a in axis)})")
    if reflect:
        parts.append("mirror z → −z")
    if np.any(np.asarray(translation) != 0):
        parts.append(f"translation by ({', '.join(f'{t:g}' for t in translation)}) Å")
    if swap is not None:
        parts.append(f"swap of atoms {swap[0]} and {swap[1]}")
    return SymmetryOperation(" + ".join(parts) or "identity", matrix, np.asarray(translation, dtype=float),
                             swap_permutation(n_atoms, swap))


# --- measuring --------------------------------------------------------------------------------------

def symmetry_errors(
    model: nn.Module,
    atoms: Atoms,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
    n_trials: int = 3,
    operations: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Invariance error of the energy and equivariance error of the forces, per operation.

    For each operation (default: all that apply) ``n_trials`` random instances are drawn with a seeded
    generator; all structures are evaluated in one batch. Returns, per operation name,
    ``energy_error_ev`` = max |E(gR) - E(R)| and ``force_error_ev_per_a`` = max |F(gR) - g F(R)|,
    plus the scales ``energy_ev`` = |E(R)| and ``max_force_ev_per_a`` = max |F(R)| to compare them with.
    The forces are the model's own (the force head for ``direct``).
    """
    rng = np.random.default_rng(seed)
    names = list(operations) if operations is not None else applicable_operations(atoms)
    drawn = [random_operation(name, atoms.numbers, rng) for name in names for _ in range(n_trials)]
    energy, forces = energies_and_forces(model, [atoms] + [g.apply(atoms) for g in drawn], dtype)
    table: dict[str, dict[str, float]] = {}
    for index, operation in enumerate(drawn, start=1):
        row = table.setdefault(operation.name, {
            "energy_error_ev": 0.0, "force_error_ev_per_a": 0.0,
            "energy_ev": float(abs(energy[0])), "max_force_ev_per_a": float(np.abs(forces[0]).max()),
        })
        energy_error = abs(energy[index] - energy[0])
        force_error = np.abs(forces[index] - operation.transform_forces(forces[0])).max()
        row["energy_error_ev"] = max(row["energy_error_ev"], float(energy_error))
        row["force_error_ev_per_a"] = max(row["force_error_ev_per_a"], float(force_error))
    return table


@dataclass
class OperationEffect:
    """A model's energy (eV) and forces [n_atoms, 3] (eV/Å) before and after one operation g."""

    energy_before: float
    energy_after: float
    forces_before: np.ndarray  # F(R)
    forces_after: np.ndarray  # F(gR), computed on the moved molecule
    forces_expected: np.ndarray  # g F(R): the old forces moved with the molecule

    @property
    def energy_error(self) -> float:
        """|E(gR) - E(R)| in eV: zero for an invariant model."""
        return abs(self.energy_after - self.energy_before)

    @property
    def force_error(self) -> float:
        """max |F(gR) - g F(R)| in eV/Å: zero for an equivariant model."""
        return float(np.abs(self.forces_after - self.forces_expected).max())


def operation_effect(model: nn.Module, atoms: Atoms, operation: SymmetryOperation,
                     dtype: torch.dtype = torch.float64) -> OperationEffect:
    """Evaluate ``model`` on R and on gR in one batch and compare."""
    energy, forces = energies_and_forces(model, [atoms, operation.apply(atoms)], dtype)
    return OperationEffect(float(energy[0]), float(energy[1]), forces[0], forces[1],
                           operation.transform_forces(forces[0]))


@dataclass
class HessianCheck:
    """The Hessian [3N, 3N] (eV/Å²) before and after an operation, and what equivariance predicts."""

    rotation: np.ndarray  # Q [3, 3]
    before: np.ndarray  # H(R)
    after: np.ndarray  # H(gR)
    expected: np.ndarray  # every 3x3 block H_IJ -> Q H_IJ Q^T

    def block(self, matrix: str, atom_i: int, atom_j: int) -> np.ndarray:
        """The 3x3 block H_IJ of ``matrix`` ("before", "after", "expected" or "error")."""
        full = self.after - self.expected if matrix == "error" else getattr(self, matrix)
        return full[3 * atom_i:3 * atom_i + 3, 3 * atom_j:3 * atom_j + 3]

    @property
    def error(self) -> float:
        """max |H(QR) - Q H(R) Q^T| over all blocks, eV/Å²."""
        return float(np.abs(self.after - self.expected).max())


def hessian_check(model: nn.Module, atoms: Atoms, rotation: np.ndarray,
                  dtype: torch.dtype = torch.float64) -> HessianCheck:
    """H(R) and H(QR) by autograd and the prediction Q H_IJ(R) Q^T."""
    operation = SymmetryOperation.rotation(rotation, len(atoms))
    before = model_hessian(model, atoms, dtype)
    after = model_hessian(model, operation.apply(atoms), dtype)
    return HessianCheck(operation.matrix, before, after, operation.transform_hessian(before))


def hessian_equivariance_error(model: nn.Module, atoms: Atoms, rotation: np.ndarray | None = None,
                               dtype: torch.dtype = torch.float64, seed: int = 0) -> float:
    """max |H(QR) - Q H(R) Q^T| in eV/Å² for a given rotation, or a random one (seeded)."""
    rotation = random_rotation(np.random.default_rng(seed)) if rotation is None else rotation
    return hessian_check(model, atoms, rotation, dtype).error


# --- which model, and a table for the page -----------------------------------------------------------

@dataclass
class ModelChoice:
    """A model for the molecule on screen and where it comes from (for the page to say so)."""

    kind: str
    model: nn.Module
    pretrained: bool
    note: str  # e.g. "pretrained on water" or "fresh, random weights, seed 0, for H, C, O"


def models_for_structure(atoms: Atoms, pretrained: Mapping[str, nn.Module | None],
                         kinds: Sequence[str] = SYMMETRY_KINDS, seed: int = 0,
                         pretrained_on: str = "water") -> dict[str, ModelChoice]:
    """Per kind: the pretrained model when it can describe ``atoms``, else a fresh seeded one."""
    choices = {}
    elements = ", ".join(chemical_symbols[z] for z in sorted(set(atoms.numbers.tolist())))
    for kind in kinds:
        model = pretrained.get(kind)
        if model is not None:
            try:
                model.check_elements(atoms.numbers)
                # the cartesian model takes exactly its own atom list (check_elements also lets a
                # repeat of the molecule through, which its input layer cannot take)
                if kind == "cartesian" and list(getattr(model, "numbers", [])) != atoms.numbers.tolist():
                    raise ValueError("not the atom list the cartesian model was built for")
            except ValueError:
                model = None
            else:
                choices[kind] = ModelChoice(kind, model, True, f"pretrained on {pretrained_on}")
                continue
        what = f"built for this list of {len(atoms)} atoms" if kind == "cartesian" else f"for {elements}"
        fresh = build_model(kind, elements_for(kind, [atoms]), seed=seed, dtype=torch.float64).eval()
        choices[kind] = ModelChoice(kind, fresh, False, f"fresh, random weights, seed {seed}, {what}")
    return choices


def symmetry_table(choices: Mapping[str, ModelChoice], atoms: Atoms,
                   dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64),
                   operation: SymmetryOperation | None = None, seed: int = 0, n_trials: int = 3) -> list[dict]:
    """One row per (model kind, dtype): max energy error (eV) and max force error (eV/Å) per operation.

    Columns ``"<operation> ΔE (eV)"`` and ``"<operation> ΔF (eV/Å)"`` for the random translations,
    rotations, reflections and permutations of :func:`symmetry_errors` (``n_trials`` each, seeded),
    and ``"yours ..."`` for ``operation`` when given.
    """
    rows = []
    for kind, choice in choices.items():
        for dtype in dtypes:
            row: dict = {"model": kind, "weights": choice.note, "dtype": str(dtype).replace("torch.", "")}
            for name, errors in symmetry_errors(choice.model, atoms, dtype, seed=seed, n_trials=n_trials).items():
                row[f"{name} ΔE (eV)"] = errors["energy_error_ev"]
                row[f"{name} ΔF (eV/Å)"] = errors["force_error_ev_per_a"]
            if operation is not None:
                effect = operation_effect(choice.model, atoms, operation, dtype)
                row["yours ΔE (eV)"] = effect.energy_error
                row["yours ΔF (eV/Å)"] = effect.force_error
            rows.append(row)
    return rows
