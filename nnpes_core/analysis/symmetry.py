"""Symmetry checks: is the energy invariant and are the forces equivariant?

A physical potential energy does not change when the molecule is translated, rotated, reflected, or
when two atoms of the same element swap labels. Write such an operation as g: R_I -> Q R_p(I) + t
(Q orthogonal [3, 3], t a translation, p a permutation of same-element atoms). Then

    E(g R) = E(R)                     (invariance)
    F_I(g R) = Q F_p(I)(R)            (equivariance; for a pure permutation F_I(pR) = F_p(I)(R))

and the Hessian blocks rotate as H_IJ(Q R) = Q H_IJ(R) Q^T. The functions here *measure* how far a
model is from this, in eV and eV/Å, so a page can put the numbers in a table: round-off for the
models with symmetry built in, large numbers for the Cartesian MLP.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.derivatives import hessian
from nnpes_core.analysis.evaluation import energies_and_forces
from nnpes_core.data.augmentation import random_rotation  # uniform on SO(3), re-exported by analysis

OPERATIONS = ("translation", "rotation", "reflection", "permutation")


@dataclass(frozen=True)
class SymmetryOperation:
    """g: R_I -> Q R_p(I) + t. New atom I is old atom ``permutation[I]``."""

    name: str
    matrix: np.ndarray  # [3, 3] orthogonal Q (det +1 rotation, -1 reflection)
    translation: np.ndarray  # [3] Å
    permutation: np.ndarray  # [n_atoms]

    def apply(self, atoms: Atoms) -> Atoms:
        """A transformed copy of ``atoms`` (a periodic cell is rotated with it)."""
        moved = atoms.copy()
        positions = atoms.positions @ self.matrix.T + self.translation
        moved.positions = positions[self.permutation]
        moved.numbers = atoms.numbers[self.permutation]
        if atoms.pbc.any():
            moved.set_cell(atoms.cell.array @ self.matrix.T, scale_atoms=False)
        return moved

    def transform_forces(self, forces: np.ndarray) -> np.ndarray:
        """g F: what the forces [n_atoms, 3] must become for an equivariant model."""
        return (np.asarray(forces) @ self.matrix.T)[self.permutation]


def random_reflection(rng: np.random.Generator) -> np.ndarray:
    """A mirror plane through the origin with a random normal n: Q = 1 - 2 n n^T (det -1)."""
    normal = rng.standard_normal(3)
    normal /= np.linalg.norm(normal)
    return np.eye(3) - 2.0 * np.outer(normal, normal)


def random_permutation(numbers: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """A random permutation, not the identity, that only exchanges atoms of the same element.

    Raises ValueError when every element occurs once (there is nothing to exchange)."""
    numbers = np.asarray(numbers)
    groups = [np.flatnonzero(numbers == z) for z in np.unique(numbers)]
    groups = [group for group in groups if len(group) > 1]
    if not groups:
        raise ValueError("no two atoms share an element: there is no permutation to test")
    permutation = np.arange(len(numbers))
    for group in groups:
        permutation[group] = rng.permutation(group)
    if np.array_equal(permutation, np.arange(len(numbers))):  # drew the identity: swap two atoms
        group = groups[rng.integers(len(groups))]
        permutation[group[[0, 1]]] = group[[1, 0]]
    return permutation


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


def hessian_equivariance_error(
    model: nn.Module,
    atoms: Atoms,
    rotation: np.ndarray | None = None,
    dtype: torch.dtype = torch.float64,
    seed: int = 0,
) -> float:
    """max |H(QR) - (1_N ⊗ Q) H(R) (1_N ⊗ Q)^T| in eV/Å², i.e. every 3x3 block H_IJ -> Q H_IJ Q^T.

    Coordinates are ordered atom by atom (x1, y1, z1, x2, ...), so Q acts on each atom's block; a
    random rotation is drawn (seeded) when none is given.
    """
    rotation = random_rotation(np.random.default_rng(seed)) if rotation is None else np.asarray(rotation)
    operation = SymmetryOperation("rotation", rotation, np.zeros(3), np.arange(len(atoms)))
    before = hessian(model, atoms, dtype)  # [3N, 3N]
    after = hessian(model, operation.apply(atoms), dtype)
    rotate_all = np.kron(np.eye(len(atoms)), rotation)  # block diagonal, one Q per atom
    return float(np.abs(after - rotate_all @ before @ rotate_all.T).max())
