"""One symmetry operation chosen by hand, and what it does to a model's energy, forces and Hessian.

``nnpes_core.analysis.symmetry`` measures the worst error over random operations; this module is its
hands-on companion for the symmetry lesson. A student picks an operation

    g: R_I -> Q R_p(I) + t,     Q = (rotation about an axis) (optional mirror z -> -z),

and sees, for one model, E(R) next to E(gR) (equal for an invariant model), the forces F(gR) next to
the moved old forces g F(R) (equal for an equivariant one), and a Hessian block H_IJ(QR) next to
Q H_IJ(R) Q^T. Models come pretrained where they know the molecule, else freshly initialised with a
fixed seed: symmetry belongs to the architecture, so a random-weight model obeys it just as well.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from ase import Atoms
from ase.data import chemical_symbols
from torch import nn

from nnpes_core.analysis.derivatives import hessian
from nnpes_core.analysis.descriptors import rotation_about_axis
from nnpes_core.analysis.evaluation import energies_and_forces
from nnpes_core.analysis.symmetry import SymmetryOperation, symmetry_errors
from nnpes_core.models import build_model

MIRROR_Z = np.diag([1.0, 1.0, -1.0])  # reflection through the xy plane (det -1)
SYMMETRY_KINDS = ("cartesian", "bp", "equivariant")


# --- building the operation ------------------------------------------------------------------------

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


def centered(atoms: Atoms) -> Atoms:
    """A copy with the mean of the positions at the origin, so that rotations turn it about its centre."""
    moved = atoms.copy()
    moved.calc = None
    moved.positions -= atoms.positions.mean(axis=0)
    return moved


# --- which model ------------------------------------------------------------------------------------

@dataclass
class ModelChoice:
    """A model for the molecule on screen and where it comes from (for the page to say so)."""

    kind: str
    model: nn.Module
    pretrained: bool
    note: str  # e.g. "pretrained on water" or "fresh, random weights, seed 0, for H, C, O"


def fresh_model(kind: str, atoms: Atoms, seed: int = 0, dtype: torch.dtype = torch.float64) -> nn.Module:
    """A seeded, untrained model of ``kind`` for the elements of ``atoms`` (cartesian: for its atom list)."""
    elements = atoms.numbers.tolist() if kind == "cartesian" else sorted(set(atoms.numbers.tolist()))
    with torch.random.fork_rng(devices=[]):  # a seeded initialisation without touching global state
        torch.manual_seed(seed)
        model = build_model(kind, elements)
    return model.to(dtype).eval()


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
        choices[kind] = ModelChoice(kind, fresh_model(kind, atoms, seed), False,
                                    f"fresh, random weights, seed {seed}, {what}")
    return choices


# --- what the operation does ------------------------------------------------------------------------

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


@dataclass
class HessianCheck:
    """The Hessian [3N, 3N] (eV/Å²) before and after a rotation Q, and what equivariance predicts."""

    rotation: np.ndarray  # Q [3, 3]
    before: np.ndarray  # H(R)
    after: np.ndarray  # H(QR)
    expected: np.ndarray  # (1_N ⊗ Q) H(R) (1_N ⊗ Q)^T: every 3x3 block H_IJ -> Q H_IJ Q^T

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
    """H(R) and H(QR) by autograd (``analysis.derivatives.hessian``) and the prediction Q H_IJ(R) Q^T."""
    rotation = np.asarray(rotation, dtype=float)
    operation = SymmetryOperation("rotation", rotation, np.zeros(3), np.arange(len(atoms)))
    before = hessian(model, atoms, dtype)
    after = hessian(model, operation.apply(atoms), dtype)
    rotate_all = np.kron(np.eye(len(atoms)), rotation)  # block diagonal, one Q per atom
    return HessianCheck(rotation, before, after, rotate_all @ before @ rotate_all.T)
