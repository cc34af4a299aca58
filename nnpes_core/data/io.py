"""Datasets on disk: extended XYZ through ``ase.io`` is THE file format.

Each frame stores positions, atomic numbers, the reference energy (eV) in its comment line and the
forces (eV/Å) as a per-atom column, so that any ASE-aware tool reads it back:
``ase.io.read(path, ":")[k].get_potential_energy()`` / ``.get_forces()``.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Sequence

import ase.io
import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message is one line meant for the user."""


def labelled_copy(atoms: Atoms, energy: float | None = None, forces: np.ndarray | None = None) -> Atoms:
    """A copy of ``atoms`` carrying its labels in a SinglePointCalculator (what extxyz writes and reads).

    Labels not given are taken from ``atoms.calc`` results when there are any.
    """
    results = dict(getattr(atoms.calc, "results", None) or {})
    if energy is not None:
        results["energy"] = energy
    if forces is not None:
        results["forces"] = forces
    copy = atoms.copy()  # Atoms.copy() drops the calculator
    labels = {name: results[name] for name in ("energy", "free_energy", "forces", "stress") if name in results}
    if labels:
        copy.calc = SinglePointCalculator(copy, **labels)
    return copy


def write_dataset(path: str | os.PathLike, frames: Sequence[Atoms]) -> Path:
    """Write labelled frames to extended XYZ at ``path`` (atomically: temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    ase.io.write(temporary, [labelled_copy(frame) for frame in frames], format="extxyz")
    os.replace(temporary, path)
    return path


MIN_DISTANCE_A = 0.4  # Å; closer than this two nuclei are a broken file, not a structure


def closest_pair(atoms: Atoms) -> tuple[int, int, float] | None:
    """(i, j, distance in Å) of the two closest atoms (minimum image in a periodic cell), or None for
    fewer than two atoms."""
    if len(atoms) < 2:
        return None
    from ase.geometry import get_distances

    _, distances = get_distances(atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    distances[np.diag_indices(len(atoms))] = np.inf
    i, j = np.unravel_index(np.argmin(distances), distances.shape)
    return int(min(i, j)), int(max(i, j)), float(distances[i, j])


def _check_finite(values, what: str, where: str) -> None:
    if not np.all(np.isfinite(values)):
        raise DatasetError(f"{where}: {what} contain NaN or infinity")


def atom_count_problem(text: str) -> str | None:
    """Why the frames of an (extended) XYZ text cannot be read, or None: every frame's first line must be
    an atom count that the rest of the file can hold.

    ASE's reader trusts that count and reads that many lines even past the end of the file: a file whose
    first line is 99999999999 would keep it reading for ever. Frames are: the count, a comment line, one
    line per atom, optional VEC lines (old lattice format); a blank line ends the file, as in ASE."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    position = 0
    while position < len(lines) and lines[position].strip():
        try:
            count = int(lines[position])
        except ValueError:
            return f"line {position + 1} should be the number of atoms, not {lines[position].strip()[:40]!r}"
        if count < 0 or position + 2 + count > len(lines):
            return f"line {position + 1} announces {count} atoms, but only {max(len(lines) - position - 2, 0)} lines follow"
        position += 2 + count
        while position < len(lines) and lines[position].lstrip().startswith("VEC"):
            position += 1
    return None


def read_dataset(
    path: str | os.PathLike,
    require_forces: bool = True,
    require_energy: bool = True,
    max_structures: int | None = None,
    max_atoms: int | None = None,
) -> list[Atoms]:
    """Read and check an extended-XYZ dataset; any problem raises :class:`DatasetError` (one line).

    Checks: the file exists and is not empty, parses as extended XYZ, has at most ``max_structures``
    frames of at most ``max_atoms`` atoms, every frame has an energy and forces (when required), and
    no position, energy or force is NaN or infinite.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    content = path.read_bytes()
    if not content.strip():
        raise DatasetError(f"{path}: file is empty")
    if problem := atom_count_problem(content.decode("utf-8", errors="replace")):
        raise DatasetError(f"{path}: not a valid extended-XYZ file ({problem})")
    try:
        frames = ase.io.read(path, index=":", format="extxyz")
    except Exception as error:  # the extxyz parser raises many kinds; all mean "malformed"
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DatasetError(f"{path}: not a valid extended-XYZ file ({reason[:200]})") from None
    if not frames:
        raise DatasetError(f"{path}: file contains no structures")
    if max_structures is not None and len(frames) > max_structures:
        raise DatasetError(f"{path}: {len(frames)} structures, more than the limit of {max_structures}")
    for index, frame in enumerate(frames):
        where = f"{path}, structure {index + 1}"
        if max_atoms is not None and len(frame) > max_atoms:
            raise DatasetError(f"{where}: {len(frame)} atoms, more than the limit of {max_atoms}")
        _check_finite(frame.positions, "positions", where)
        if (frame.numbers <= 0).any():
            raise DatasetError(f"{where}: a dummy atom 'X'; every atom must be a chemical element")
        pair = closest_pair(frame)
        if pair is not None and pair[2] < MIN_DISTANCE_A:
            raise DatasetError(f"{where}: atoms {pair[0] + 1} and {pair[1] + 1} are only {pair[2]:.2f} Å apart "
                               f"(less than {MIN_DISTANCE_A} Å): check the coordinates (they must be in Å)")
        results = getattr(frame.calc, "results", None) or {}
        if "energy" in results:
            _check_finite(results["energy"], "energy", where)
        elif require_energy:
            raise DatasetError(f"{where}: no energy (expected energy=... in the comment line)")
        if "forces" in results:
            _check_finite(results["forces"], "forces", where)
        elif require_forces:
            raise DatasetError(f"{where}: no forces (expected a 'forces' column in Properties=...)")
    return frames


def split_indices(n: int, sizes: Sequence[float | int], seed: int = 0) -> list[np.ndarray]:
    """Disjoint random index sets of the given sizes: fractions of n (floats) or counts (ints).

    Fractions are rounded down, and when they add up to 1 the last set takes the remainder, so every
    index is used. The same ``seed`` always gives the same split.
    """
    sizes = list(sizes)
    if all(isinstance(size, (int, np.integer)) for size in sizes):
        counts = [int(size) for size in sizes]
    else:
        if any(size < 0 for size in sizes) or sum(sizes) > 1 + 1e-9:
            raise ValueError(f"fractions {sizes} must be non-negative and add up to at most 1")
        counts = [int(np.floor(size * n + 1e-9)) for size in sizes]
        if abs(sum(sizes) - 1) < 1e-9:
            counts[-1] = n - sum(counts[:-1])
    if any(count < 0 for count in counts) or sum(counts) > n:
        raise ValueError(f"cannot take {counts} structures from {n}")
    permutation = np.random.default_rng(seed).permutation(n)
    edges = np.cumsum([0] + counts)
    return [np.sort(permutation[start:stop]) for start, stop in zip(edges[:-1], edges[1:])]


def split_dataset(frames: Sequence[Atoms], sizes: Sequence[float | int] = (0.8, 0.1, 0.1),
                  seed: int = 0) -> list[list[Atoms]]:
    """Seeded random split, e.g. ``train, val, test = split_dataset(frames, (1000, 200, 300), seed=0)``."""
    return [[frames[i] for i in indices] for indices in split_indices(len(frames), sizes, seed)]


def dataset_summary(frames: Sequence[Atoms]) -> dict:
    """Counts, elements and label statistics of a dataset, for display (units in the key names)."""
    element_counts = Counter(symbol for frame in frames for symbol in frame.get_chemical_symbols())
    atoms_per_structure = np.array([len(frame) for frame in frames])
    summary = {
        "n_structures": len(frames),
        "n_atoms_total": int(atoms_per_structure.sum()),
        "atoms_per_structure_min": int(atoms_per_structure.min()) if len(frames) else 0,
        "atoms_per_structure_max": int(atoms_per_structure.max()) if len(frames) else 0,
        "elements": dict(sorted(element_counts.items())),
    }
    labelled = [getattr(frame.calc, "results", None) or {} for frame in frames]
    energies = np.array([results["energy"] for results in labelled if "energy" in results])
    if len(energies):
        per_atom = energies / np.array([len(f) for f, r in zip(frames, labelled) if "energy" in r])
        summary.update(
            n_with_energy=len(energies),
            energy_min_eV=float(energies.min()), energy_max_eV=float(energies.max()),
            energy_mean_eV=float(energies.mean()), energy_std_eV=float(energies.std()),
            energy_per_atom_min_eV=float(per_atom.min()), energy_per_atom_max_eV=float(per_atom.max()),
        )
    forces = [results["forces"] for results in labelled if "forces" in results]
    if forces:
        components = np.concatenate([np.ravel(f) for f in forces])
        magnitudes = np.concatenate([np.linalg.norm(f, axis=1) for f in forces])
        summary.update(
            n_with_forces=len(forces),
            force_rms_eV_per_A=float(np.sqrt(np.mean(components**2))),
            force_max_eV_per_A=float(magnitudes.max()),
        )
    return summary
