"""Symmetry operations on structures: rotations, reflections, translations, permutations of same-element
atoms. The one place where the course builds them (the symmetry checks, data augmentation and the
pages all take theirs from here).

An operation g acts as R_I -> Q R_p(I) + t, with Q orthogonal [3, 3] (det +1 a rotation, det -1 a
reflection), t a translation in Å and p a permutation that only exchanges atoms of the same element.
Physics demands of the potential energy and its derivatives

    E(gR) = E(R),    F_I(gR) = Q F_p(I)(R),    H_IJ(QR) = Q H_IJ(R) Q^T.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from ase import Atoms

MIRROR_Z = np.diag([1.0, 1.0, -1.0])  # reflection through the xy plane (det -1)


def random_rotation_matrices(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotation matrices [n, 3, 3] drawn uniformly from SO(3) (random unit quaternions)."""
    quaternions = rng.standard_normal((n, 4))
    quaternions /= np.linalg.norm(quaternions, axis=1, keepdims=True)
    w, x, y, z = quaternions.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
    ], axis=1)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """One rotation matrix [3, 3] drawn uniformly from SO(3)."""
    return random_rotation_matrices(1, rng)[0]


def rotation_about_axis(axis, angle_degrees: float) -> np.ndarray:
    """The rotation matrix [3, 3] by ``angle_degrees`` about ``axis`` (right-hand rule), Rodrigues' formula."""
    axis = np.asarray(axis, dtype=float)
    norm = np.linalg.norm(axis)
    if norm == 0:
        raise ValueError("the rotation axis must not be the zero vector")
    x, y, z = axis / norm
    angle = np.radians(angle_degrees)
    cross = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + np.sin(angle) * cross + (1 - np.cos(angle)) * cross @ cross


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


def same_element_swaps(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Every pair (i, j), i < j, of atoms of the same element: the transpositions a student can pick."""
    numbers = list(numbers)
    return [(i, j) for i in range(len(numbers)) for j in range(i + 1, len(numbers)) if numbers[i] == numbers[j]]


def swap_permutation(n_atoms: int, swap: tuple[int, int] | None) -> np.ndarray:
    """The permutation [n_atoms] that exchanges atoms i and j (the identity for ``None``)."""
    permutation = np.arange(n_atoms)
    if swap is not None:
        i, j = swap
        permutation[[i, j]] = permutation[[j, i]]
    return permutation


def count_same_element_permutations(numbers: Sequence[int], element: int | None = None) -> int:
    """How many relabellings leave the elements in place: prod over elements of (count)!.

    With ``element`` only the atoms of that element are relabelled (e.g. ethanol's six H: 6! = 720).
    """
    counts = Counter(int(z) for z in numbers)
    if element is not None:
        return math.factorial(counts.get(int(element), 0))
    return math.prod(math.factorial(count) for count in counts.values())


@dataclass(frozen=True)
class SymmetryOperation:
    """g: R_I -> Q R_p(I) + t. New atom I is old atom ``permutation[I]``."""

    name: str
    matrix: np.ndarray  # [3, 3] orthogonal Q (det +1 rotation, -1 reflection)
    translation: np.ndarray  # [3] Å
    permutation: np.ndarray  # [n_atoms]

    @classmethod
    def rotation(cls, matrix: np.ndarray, n_atoms: int, translation=(0.0, 0.0, 0.0)) -> "SymmetryOperation":
        """R -> Q R + t with no relabelling."""
        return cls("rotation", np.asarray(matrix, dtype=float), np.asarray(translation, dtype=float),
                   np.arange(n_atoms))

    def apply(self, atoms: Atoms) -> Atoms:
        """A transformed copy of ``atoms`` (a periodic cell is rotated with it; no calculator)."""
        moved = atoms.copy()
        moved.calc = None
        positions = atoms.positions @ self.matrix.T + self.translation
        moved.positions = positions[self.permutation]
        moved.numbers = atoms.numbers[self.permutation]
        if atoms.pbc.any():
            moved.set_cell(atoms.cell.array @ self.matrix.T, scale_atoms=False)
        return moved

    def transform_forces(self, forces: np.ndarray) -> np.ndarray:
        """g F: what the forces [n_atoms, 3] must become for an equivariant model."""
        return (np.asarray(forces) @ self.matrix.T)[self.permutation]

    def transform_hessian(self, hessian: np.ndarray) -> np.ndarray:
        """What the Hessian [3N, 3N] must become: every 3x3 block H_IJ -> Q H_p(I)p(J) Q^T."""
        n_atoms = len(self.permutation)
        order = (3 * self.permutation[:, None] + np.arange(3)).reshape(-1)
        rotate_all = np.kron(np.eye(n_atoms), self.matrix)  # block diagonal, one Q per atom
        return rotate_all @ np.asarray(hessian)[np.ix_(order, order)] @ rotate_all.T


def centered(atoms: Atoms) -> Atoms:
    """A copy with the mean of the positions at the origin, so that rotations turn it about its centre."""
    moved = atoms.copy()
    moved.calc = None
    moved.positions -= atoms.positions.mean(axis=0)
    return moved
