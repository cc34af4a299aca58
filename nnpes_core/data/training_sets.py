"""Datasets to train on in lesson 4: the H2 FCI curve as structures, uploaded files, and splits.

- ``h2_frames``: the shipped H2 potential energy curve (FCI energies at a grid of bond lengths) turned
  into two-atom structures with energies and forces. The curve stores energies only; the force along
  the bond is either minus the derivative of a cubic spline through those energies (``spline_forces``,
  instant) or central finite differences of fresh FCI energies (``finite_difference_bond_forces``).
- ``read_uploaded_dataset``: an uploaded extended-XYZ file (bytes) read with the checks of
  :func:`nnpes_core.data.io.read_dataset` and size limits; every problem is a :class:`DatasetError`.
- ``split_for_training``: a seeded train / validation / test split that refuses data sets too small
  to split, and ``same_molecule`` for models that take one fixed molecule (the Cartesian MLP).

Energies in eV, forces in eV/Å, lengths in Å.
"""
from __future__ import annotations

import os
import tempfile
from typing import Callable, Sequence

import numpy as np
from ase import Atoms
from scipy.interpolate import CubicSpline

from nnpes_core.derivatives import finite_difference
from nnpes_core.data.io import DatasetError, labelled_copy, read_dataset, split_dataset

# What the app accepts in one upload: enough for a real small-molecule data set, small enough to
# train on a laptop CPU within minutes.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_STRUCTURES = 5000
MAX_UPLOAD_ATOMS = 64
MIN_STRUCTURES_TO_SPLIT = 10


def h2_structure(distance: float) -> Atoms:
    """H2 with its bond along z, centred at the origin, bond length ``distance`` (Å)."""
    return Atoms("H2", positions=[[0.0, 0.0, -0.5 * distance], [0.0, 0.0, 0.5 * distance]])


def spline_forces(distances: np.ndarray, energies: np.ndarray) -> np.ndarray:
    """-dE/dR (eV/Å) at ``distances`` [n] from a cubic spline through ``energies`` [n] (eV)."""
    order = np.argsort(distances)
    spline = CubicSpline(np.asarray(distances)[order], np.asarray(energies)[order])
    return -spline(np.asarray(distances), 1)


def bond_forces(force_along_bond: float) -> np.ndarray:
    """Atomic forces [2, 3] of a diatomic along z for a bond force -dE/dR (positive = pushes apart)."""
    return np.array([[0.0, 0.0, -force_along_bond], [0.0, 0.0, force_along_bond]])


def h2_frames(distances: Sequence[float], energies: Sequence[float],
              forces_along_bond: Sequence[float] | None = None, r_min: float = 0.0,
              r_max: float = np.inf) -> list[Atoms]:
    """Labelled H2 structures from a computed curve (distances [n] Å, ground-state energies [n] eV).

    ``forces_along_bond`` [n] (eV/Å, -dE/dR) when known; by default the spline derivative through all
    points (so a point at the edge of the window [r_min, r_max] still has a good derivative).
    """
    distances, energies = np.asarray(distances, dtype=float), np.asarray(energies, dtype=float)
    if forces_along_bond is None:
        forces_along_bond = spline_forces(distances, energies)
    frames = []
    for distance, energy, force in zip(distances, energies, np.asarray(forces_along_bond, dtype=float)):
        if r_min <= distance <= r_max:
            frames.append(labelled_copy(h2_structure(distance), float(energy), bond_forces(force)))
    if not frames:
        raise DatasetError(f"no H2 points between {r_min} and {r_max} Å")
    return frames


def finite_difference_bond_forces(distances: Sequence[float], energy_at: Callable[[float], float],
                                  step: float = 1e-3, progress: Callable[[int, int], None] | None = None
                                  ) -> np.ndarray:
    """-dE/dR (eV/Å) at each distance by central differences (E(R - h) - E(R + h)) / 2h of
    ``energy_at(R)`` (eV), e.g. fresh FCI energies; two reference calculations per distance."""
    forces = np.zeros(len(distances))
    for index, distance in enumerate(distances):
        forces[index] = -finite_difference(lambda r: energy_at(float(r[0])), [distance], step)[0]
        if progress is not None:
            progress(index + 1, len(distances))
    return forces


def read_uploaded_dataset(content: bytes, filename: str = "upload.extxyz", *,
                          max_bytes: int = MAX_UPLOAD_BYTES, max_structures: int = MAX_UPLOAD_STRUCTURES,
                          max_atoms: int = MAX_UPLOAD_ATOMS) -> list[Atoms]:
    """The structures of an uploaded extended-XYZ file, checked (energies and forces required).

    Raises :class:`DatasetError` with one line naming the file for an empty, oversized or malformed
    file, a structure without energy or forces, NaN or infinity, or too many structures or atoms.
    """
    if not content or not content.strip():
        raise DatasetError(f"{filename}: file is empty")
    if len(content) > max_bytes:
        raise DatasetError(f"{filename}: {len(content) / 1e6:.1f} MB, more than the limit of "
                           f"{max_bytes / 1e6:.0f} MB")
    handle, path = tempfile.mkstemp(suffix=".extxyz")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        try:
            return read_dataset(path, max_structures=max_structures, max_atoms=max_atoms)
        except DatasetError as error:
            raise DatasetError(str(error).replace(path, filename)) from None
    finally:
        os.unlink(path)


def same_molecule(frames: Sequence[Atoms]) -> bool:
    """True when every structure has the same atoms in the same order (what a Cartesian MLP needs)."""
    first = frames[0].numbers
    return all(len(atoms) == len(first) and np.array_equal(atoms.numbers, first) for atoms in frames)


def split_for_training(frames: Sequence[Atoms], fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                       seed: int = 0) -> tuple[list[Atoms], list[Atoms], list[Atoms]]:
    """Seeded (train, validation, test) split; at least one structure in each part."""
    if len(frames) < MIN_STRUCTURES_TO_SPLIT:
        raise DatasetError(f"{len(frames)} structures are too few to split into training, validation and "
                           f"test sets (at least {MIN_STRUCTURES_TO_SPLIT})")
    n = len(frames)
    n_val, n_test = max(1, int(fractions[1] * n)), max(1, int(fractions[2] * n))
    train, val, test = split_dataset(frames, (n - n_val - n_test, n_val, n_test), seed=seed)
    return train, val, test
