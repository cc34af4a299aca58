"""Data augmentation by rotation: teach a model a symmetry by showing it examples of it.

A model that is not invariant by construction (the Cartesian MLP) can only *learn* rotational
invariance from data. Augmentation adds rotated copies of every labelled structure: the energy stays
the same and the forces turn with the molecule,

    R_I -> Q R_I,    E -> E,    F_I -> Q F_I        (Q a rotation [3, 3], det Q = +1),

so the copies are exact labels for free. The lesson: the symmetry error shrinks with more copies but
never reaches round-off, because a finite sample of orientations never pins down all of SO(3).

The rotations come from ``nnpes_core.geometry``, where every symmetry operation of the course is built.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from nnpes_core.data.io import labelled_copy
from nnpes_core.geometry import random_rotation_matrices


def rotated_frame(atoms: Atoms, rotation: np.ndarray, about_centroid: bool = True) -> Atoms:
    """A labelled copy of ``atoms`` rotated by ``rotation`` [3, 3]: positions and forces turn, E stays.

    With ``about_centroid`` the molecule turns about its own centre (the mean of its positions), so it
    stays where it was; otherwise about the origin. Labels (energy eV, forces eV/Å) are taken from
    ``atoms.calc`` when present.
    """
    rotation = np.asarray(rotation, dtype=float)
    if atoms.pbc.any():
        raise ValueError("rotation augmentation is for isolated molecules (no periodic cell)")
    results = getattr(atoms.calc, "results", None) or {}
    center = atoms.positions.mean(axis=0) if about_centroid else np.zeros(3)
    # a plain new Atoms (no cell): cheaper than atoms.copy(), which matters for 10,000 copies
    moved = Atoms(atoms.numbers, positions=(atoms.positions - center) @ rotation.T + center,
                  info=dict(atoms.info))
    labels = {}
    if "energy" in results:
        labels["energy"] = labels["free_energy"] = float(results["energy"])  # E -> E
    if "forces" in results:
        labels["forces"] = np.asarray(results["forces"]) @ rotation.T  # F_I -> Q F_I
    if labels:
        moved.calc = SinglePointCalculator(moved, **labels)
    return moved


def rotated_test_set(test_frames: Sequence[Atoms], seed: int = 1) -> tuple[list[Atoms], np.ndarray]:
    """Each test structure turned about its centre by one random rotation; (frames, rotations [n, 3, 3]).

    Labels turn with it (energy kept, forces rotated), so the copies test a model on orientations it
    may never have seen; the rotations are returned to turn predictions made on the originals alike.
    """
    rotations = random_rotation_matrices(len(test_frames), np.random.default_rng(seed))
    return [rotated_frame(atoms, rotation) for atoms, rotation in zip(test_frames, rotations)], rotations


def augment_with_rotations(frames: Sequence[Atoms], n_rotations: int, seed: int = 0,
                           keep_original: bool = True) -> list[Atoms]:
    """Each structure followed by ``n_rotations`` randomly rotated copies (positions AND forces rotated).

    The result has ``len(frames) * (n_rotations + keep_original)`` labelled structures; the same
    ``seed`` always draws the same rotations. ``n_rotations = 0`` gives labelled copies of the input.
    """
    if n_rotations < 0:
        raise ValueError("the number of rotations per structure must be >= 0")
    if not keep_original and n_rotations == 0:
        raise ValueError("nothing to return: no rotations and the originals left out")
    rng = np.random.default_rng(seed)
    augmented: list[Atoms] = []
    for atoms in frames:
        if keep_original:
            augmented.append(labelled_copy(atoms))
        for rotation in random_rotation_matrices(n_rotations, rng):
            augmented.append(rotated_frame(atoms, rotation))
    return augmented
