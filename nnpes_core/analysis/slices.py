"""Slices of a potential energy surface: the model next to the reference along internal coordinates.

A molecule with N atoms has a (3N - 6)-dimensional surface; we look at it through 1-D scans (one bond
length or angle varied, every other internal coordinate held) and 2-D slices (two varied together).

- ``slice_frames``: the geometries on a grid of internal coordinates, in the order ``scan_1d`` /
  ``scan_2d`` (nnpes_core.data.samplers) use to label them with a reference, so model and reference see
  exactly the same structures.
- ``slice_energies``: a model, or a committee with its spread, evaluated on all of them in one batch.
- ``project_onto_slice``: where the training structures lie in the slice's coordinates (and whether
  they lie near the slice in the coordinates it holds fixed), so that extrapolation becomes visible.
- ``coverage_mask`` / ``error_by_coverage``: which grid points have data nearby, and the error there
  against the error beyond the data.
- ``ReferenceSlice`` with ``save_slices`` / ``load_slices``: reference slices computed once (PySCF, see
  assets/scripts/make_reference_slices.py) and shipped as JSON.

Coordinates follow ``samplers``: ``("distance", i, j)`` in Å, ``("angle", i, j, k)`` in degrees with j
the vertex. Energies in eV.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator
from torch import nn

from nnpes_core.analysis.evaluation import energies
from nnpes_core.data.samplers import Coordinate, Progress, get_coordinate, scan_1d, scan_2d, set_coordinate

SLICES_FORMAT = "nnpes-slices/1"


def coordinate_unit(coordinate: Coordinate) -> str:
    """"Å" for a distance, "°" for an angle."""
    kind = coordinate[0]
    if kind not in ("distance", "angle"):
        raise ValueError(f"unknown coordinate kind {kind!r}: use ('distance', i, j) or ('angle', i, j, k)")
    return "Å" if kind == "distance" else "°"


def coordinate_label(coordinate: Coordinate, symbols: Sequence[str]) -> str:
    """A readable name with atom numbers (1-based), e.g. "r(O–H2)" or "∠(H2–O1–H3)"."""
    unit = coordinate_unit(coordinate)
    names = [f"{symbols[i]}{i + 1}" for i in coordinate[1:]]
    return f"r({'–'.join(names)})" if unit == "Å" else f"∠({'–'.join(names)})"


def _as_coordinate(coordinate) -> Coordinate:
    kind, *indices = coordinate
    return (str(kind), *(int(i) for i in indices))


def slice_frames(atoms: Atoms, coordinates: Sequence[Coordinate], values: Sequence[Sequence[float]]) -> list[Atoms]:
    """Unlabelled copies of ``atoms`` on the grid values[0] x values[1] (1 or 2 coordinates).

    Row-major with the last coordinate varying fastest, and each coordinate set in turn with
    ``set_coordinate`` — the same geometries, in the same order, as ``scan_1d`` / ``scan_2d``.
    """
    if len(coordinates) not in (1, 2) or len(coordinates) != len(values):
        raise ValueError("a slice has one or two coordinates, each with its own list of values")
    grids = np.meshgrid(*[np.asarray(v, dtype=float) for v in values], indexing="ij")
    frames = []
    for point in zip(*(g.ravel() for g in grids)):
        frame = atoms.copy()
        frame.calc = None
        for coordinate, value in zip(coordinates, point):
            set_coordinate(frame, coordinate, float(value))
        frames.append(frame)
    return frames


@dataclass
class SliceEnergies:
    energy: np.ndarray  # [n_frames] eV (committee: the mean)
    energy_std: np.ndarray | None = None  # [n_frames] eV, spread of a committee's members


def slice_energies(model: nn.Module, frames: Sequence[Atoms], dtype: torch.dtype = torch.float64) -> SliceEnergies:
    """Energies of all ``frames`` in one batch; for a committee also the members' standard deviation.

    (The direct-force model gives its energy head.) The caller's model is not changed.
    """
    members = getattr(model, "members", None)
    if members is None:
        return SliceEnergies(energies(model, frames, dtype))
    member_energies = np.stack([energies(member, frames, dtype) for member in members])  # [n_members, n]
    return SliceEnergies(member_energies.mean(0), member_energies.std(0))


@dataclass
class SliceProjection:
    points: np.ndarray  # [n_frames, n_slice_coordinates] the frames' values of the slice's coordinates
    near: np.ndarray  # [n_frames] bool: within the tolerance of the slice in every held coordinate


def project_onto_slice(frames: Sequence[Atoms], coordinates: Sequence[Coordinate],
                       held: Mapping[Coordinate, float] | None = None,
                       tolerances: Mapping[str, float] | None = None) -> SliceProjection:
    """Each frame's values of the slice coordinates, and whether it lies close to the slice.

    ``held`` maps the coordinates the slice keeps fixed to their value on the slice; a frame is
    ``near`` when it is within ``tolerances[kind]`` (default 0.05 Å and 5°) of each of them.
    A 2-D picture hides those other coordinates: a training point drawn on top of a grid point may
    still be far from it in the full configuration space.
    """
    tolerances = {"distance": 0.05, "angle": 5.0, **(tolerances or {})}
    points = np.array([[get_coordinate(frame, c) for c in coordinates] for frame in frames]).reshape(
        len(frames), len(coordinates))
    near = np.ones(len(frames), dtype=bool)
    for coordinate, value in (held or {}).items():
        actual = np.array([get_coordinate(frame, coordinate) for frame in frames])
        near &= np.abs(actual - value) <= tolerances[coordinate[0]]
    return SliceProjection(points, near)


def held_coordinates(atoms: Atoms, coordinates: Sequence[Coordinate],
                     candidates: Sequence[Coordinate]) -> dict[Coordinate, float]:
    """The values in ``atoms`` of the ``candidates`` the slice does not vary (its fixed coordinates)."""
    varied = {_as_coordinate(c) for c in coordinates}
    return {c: get_coordinate(atoms, c) for c in map(_as_coordinate, candidates) if c not in varied}


def coverage_mask(grid_points: np.ndarray, data_points: np.ndarray, radius: Sequence[float]) -> np.ndarray:
    """True where a grid point [n_grid, k] has a data point [n_data, k] within the ellipse ``radius`` [k].

    The distance is measured in each coordinate's own ``radius`` (e.g. 0.03 Å and 3°), so a point is
    "covered" when some training structure differs from it by less than that in every direction combined.
    """
    grid_points = np.asarray(grid_points, dtype=float).reshape(len(grid_points), -1)
    data_points = np.asarray(data_points, dtype=float).reshape(len(data_points), -1)
    if len(data_points) == 0:
        return np.zeros(len(grid_points), dtype=bool)
    scale = np.asarray(radius, dtype=float)
    difference = (grid_points[:, None, :] - data_points[None, :, :]) / scale  # [n_grid, n_data, k]
    return (difference**2).sum(-1).min(1) <= 1.0


def error_by_coverage(error: np.ndarray, covered: np.ndarray) -> dict[str, float]:
    """RMS and largest |error| where data are (``covered``) and beyond them; NaN for an empty side."""
    error, covered = np.asarray(error, dtype=float).ravel(), np.asarray(covered, dtype=bool).ravel()

    def stats(values):
        if values.size == 0:
            return float("nan"), float("nan")
        return float(np.sqrt(np.mean(values**2))), float(np.max(np.abs(values)))

    rms_in, max_in = stats(error[covered])
    rms_out, max_out = stats(error[~covered])
    return {"rms_covered": rms_in, "max_covered": max_in, "rms_beyond": rms_out, "max_beyond": max_out,
            "fraction_covered": float(covered.mean()) if covered.size else float("nan")}


def grid_points(values: Sequence[Sequence[float]]) -> np.ndarray:
    """The grid of a slice as points [n_points, n_coordinates], in ``slice_frames`` order."""
    grids = np.meshgrid(*[np.asarray(v, dtype=float) for v in values], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def contour_arrays(values_1: Sequence[float], values_2: Sequence[float], flat: np.ndarray):
    """X, Y, Z [n_2, n_1] for a contour plot (coordinate 1 along x) from values in ``slice_frames`` order."""
    values_1, values_2 = np.asarray(values_1, dtype=float), np.asarray(values_2, dtype=float)
    X, Y = np.meshgrid(values_1, values_2)  # [n_2, n_1]
    Z = np.asarray(flat, dtype=float).reshape(len(values_1), len(values_2)).T
    return X, Y, Z


# --- reference slices computed once and shipped -------------------------------------------------------

@dataclass
class ReferenceSlice:
    """A 1-D scan or 2-D slice with reference energies (eV) in ``slice_frames`` order."""

    name: str
    coordinates: list[Coordinate]
    values: list[np.ndarray]  # one array per coordinate (Å or degrees)
    energy: np.ndarray  # [n_points] eV
    metadata: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    def frames(self, atoms: Atoms) -> list[Atoms]:
        return slice_frames(atoms, self.coordinates, self.values)


def compute_reference_slice(name: str, atoms: Atoms, calculator: Calculator, coordinates: Sequence[Coordinate],
                            values: Sequence[Sequence[float]], progress: Progress | None = None) -> ReferenceSlice:
    """Label the slice's geometries with ``calculator`` (e.g. PySCF) through ``scan_1d`` / ``scan_2d``."""
    coordinates = [_as_coordinate(c) for c in coordinates]
    values = [np.asarray(v, dtype=float) for v in values]
    if len(coordinates) == 1:
        labelled = scan_1d(atoms, calculator, coordinates[0], values[0], progress)
    elif len(coordinates) == 2:
        labelled = scan_2d(atoms, calculator, coordinates[0], values[0], coordinates[1], values[1], progress)
    else:
        raise ValueError("a slice has one or two coordinates")
    energy = np.array([frame.get_potential_energy() for frame in labelled])
    return ReferenceSlice(name, coordinates, values, energy)


def save_slices(path: str | os.PathLike, atoms: Atoms, slices: Sequence[ReferenceSlice],
                metadata: Mapping | None = None) -> Path:
    """Write the base geometry and the slices to a small JSON file."""
    document = {
        "format": SLICES_FORMAT,
        "metadata": dict(metadata or {}),
        "base": {"symbols": atoms.get_chemical_symbols(), "positions_angstrom": atoms.positions.tolist()},
        "slices": [{"name": s.name, "coordinates": [list(c) for c in s.coordinates],
                    "values": [np.round(v, 10).tolist() for v in s.values],
                    "energy_eV": s.energy.tolist(), "metadata": s.metadata} for s in slices],
    }
    path = Path(path)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return path


def load_slices(path: str | os.PathLike) -> tuple[Atoms, dict[str, ReferenceSlice], dict]:
    """(base geometry, {name: slice}, metadata) from ``save_slices``; ValueError for a wrong file."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read reference slices from {path}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != SLICES_FORMAT:
        raise ValueError(f"{path} is not a reference-slice file ({SLICES_FORMAT})")
    base = document["base"]
    atoms = Atoms(base["symbols"], positions=base["positions_angstrom"])
    slices = {}
    for entry in document["slices"]:
        values = [np.asarray(v, dtype=float) for v in entry["values"]]
        energy = np.asarray(entry["energy_eV"], dtype=float)
        if energy.size != int(np.prod([len(v) for v in values])):
            raise ValueError(f"slice {entry['name']!r} in {path}: energies do not match its grid")
        slices[entry["name"]] = ReferenceSlice(entry["name"], [_as_coordinate(c) for c in entry["coordinates"]],
                                               values, energy, entry.get("metadata", {}))
    return atoms, slices, document.get("metadata", {})


def curve_minimum(x: np.ndarray, energy: np.ndarray) -> tuple[float, float]:
    """(x, E) at the minimum of a sampled curve: a parabola through the lowest point and its neighbours
    (the lowest sample itself when it lies at an end of the scan)."""
    x, energy = np.asarray(x, dtype=float), np.asarray(energy, dtype=float)
    i = int(np.argmin(energy))
    if i == 0 or i == len(x) - 1:
        return float(x[i]), float(energy[i])
    a, b, c = np.polyfit(x[i - 1:i + 2], energy[i - 1:i + 2], 2)
    if a <= 0:
        return float(x[i]), float(energy[i])
    x_min = -b / (2 * a)
    return float(x_min), float(np.polyval([a, b, c], x_min))


COVERAGE_RADIUS = {"distance": 0.04, "angle": 4.0}  # Å, degrees: "a training structure is this close"


def slice_coverage(grid_frames: Sequence[Atoms], data_frames: Sequence[Atoms], coordinates: Sequence[Coordinate],
                   radius: Mapping[str, float] | None = None) -> np.ndarray:
    """For each grid geometry [n_grid], whether a training structure lies within ``radius`` of it in ALL
    the given internal coordinates (for water: both O-H bonds and the angle), not just the slice's two."""
    radius = {**COVERAGE_RADIUS, **(radius or {})}
    grid = project_onto_slice(grid_frames, coordinates).points
    data = project_onto_slice(data_frames, coordinates).points
    return coverage_mask(grid, data, [radius[c[0]] for c in coordinates])
