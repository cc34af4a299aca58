"""Where candidates come from and how they get their labels: a pool whose labels stay hidden.

Pool-based active learning starts from a set of structures that *could* be labelled. Here the pool
is a labelled data set (the 1000 shipped B3LYP water structures, or points of a 2-D surface) whose
labels are kept out of sight: the loop sees positions only, and a structure's energy and forces are
revealed when it is picked, exactly as if the reference calculation were run then. Every revealed
label is counted: that count is the x axis of the learning curve.

``PoolSource`` is one of the two candidate sources of the loop (``md_candidates.MDSource`` is the other):

    initial(n, rng)              -> the first n labelled structures (random, seeded)
    candidates(committee, rng)   -> (unlabelled batch to score, handles of the candidates)
    label(handles)               -> the labelled structures for the chosen handles
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np
import torch
from ase import Atoms

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.io import labelled_copy
from nnpes_core.data.surface_points import SurfacePoints



class PoolError(ValueError):
    """A pool that cannot be used for active learning (no labels, NaN, too small)."""


def concatenate(first, second):
    """Two sets of labelled data as one: lists of Atoms are joined, SurfacePoints stacked."""
    if isinstance(first, SurfacePoints):
        stack = lambda a, b: None if a is None or b is None else torch.cat([a, b])  # noqa: E731
        return replace(first, positions=torch.cat([first.positions, second.positions]),
                       energy=stack(first.energy, second.energy), forces=stack(first.forces, second.forces))
    return list(first) + list(second)


def data_length(data) -> int:
    return data.n_structures if isinstance(data, SurfacePoints) else len(data)


def check_labelled(data, what: str = "the pool") -> None:
    """Every structure must carry a finite energy and finite forces (a PoolError names what is missing)."""
    if data_length(data) == 0:
        raise PoolError(f"{what} is empty")
    if isinstance(data, SurfacePoints):
        arrays = {"energies": data.energy, "forces": data.forces, "positions": data.positions}
    else:
        for index, atoms in enumerate(data):
            results = getattr(atoms.calc, "results", {}) if atoms.calc is not None else {}
            if "energy" not in results or "forces" not in results:
                raise PoolError(f"{what}: structure {index} has no reference energy and forces")
        arrays = {"energies": np.array([a.calc.results["energy"] for a in data]),
                  "forces": np.concatenate([a.calc.results["forces"] for a in data]),
                  "positions": np.concatenate([a.positions for a in data])}
    for name, values in arrays.items():
        if values is None:
            raise PoolError(f"{what} has no reference {name}")
        if not bool(np.all(np.isfinite(np.asarray(values, dtype=float)))):
            raise PoolError(f"{what} contains NaN or infinite {name}")


class HiddenLabelPool:
    """Labelled data whose labels are revealed one structure at a time, when picked (and counted)."""

    def __init__(self, data: Sequence[Atoms] | SurfacePoints):
        check_labelled(data)
        self._data = data if isinstance(data, SurfacePoints) else list(data)
        self.revealed: list[int] = []  # pool indices, in the order they were picked
        self._batches: dict = {}

    def __len__(self) -> int:
        return data_length(self._data)

    @property
    def unrevealed(self) -> np.ndarray:
        """Indices of the structures whose labels are still hidden, ascending."""
        mask = np.ones(len(self), dtype=bool)
        mask[self.revealed] = False
        return np.flatnonzero(mask)

    def positions_of(self, indices: Sequence[int]) -> np.ndarray:
        """Positions of pool members (2-D points [n, 2]; structures: a list of [n_atoms, 3]) — no labels."""
        if isinstance(self._data, SurfacePoints):
            return self._data.positions[list(indices)].cpu().numpy()
        return [self._data[i].positions.copy() for i in indices]

    def unlabelled_batch(self, cutoff_radius: float | None, dtype: torch.dtype) -> AtomicBatch | SurfacePoints:
        """Every pool member without its labels, as one batch (made once per cutoff and dtype)."""
        key = (cutoff_radius, dtype)
        if key not in self._batches:
            if isinstance(self._data, SurfacePoints):
                batch = replace(self._data, energy=None, forces=None).to(dtype=dtype)
            else:
                batch = AtomicBatch.from_atoms(self._data, cutoff_radius, dtype=dtype, with_labels=False)
            self._batches[key] = batch
        return self._batches[key]

    def reveal(self, indices: Sequence[int]):
        """The labelled structures at ``indices`` (now counted as labelled); a second reveal is refused."""
        indices = [int(i) for i in indices]
        already = sorted(set(indices) & set(self.revealed))
        if already or len(set(indices)) != len(indices):
            raise PoolError(f"pool structures {already or indices} were already labelled")
        self.revealed.extend(indices)
        if isinstance(self._data, SurfacePoints):
            return self._data.select(indices)
        return [labelled_copy(self._data[i]) for i in indices]


class PoolSource:
    """Candidates: every pool structure not labelled yet. Labels: revealed from the pool."""

    name = "pool"

    def __init__(self, data: Sequence[Atoms] | SurfacePoints):
        self.pool = HiddenLabelPool(data)

    @property
    def capacity(self) -> float:
        return len(self.pool)

    def initial(self, n: int, rng: np.random.Generator, choose: Sequence[int] | None = None):
        """``n`` random pool structures (or the given ones), labelled."""
        if n > len(self.pool):
            raise PoolError(f"cannot start from {n} structures: the pool holds {len(self.pool)}")
        chosen = list(choose) if choose is not None else rng.choice(len(self.pool), size=n, replace=False).tolist()
        return self.pool.reveal(chosen)

    def candidates(self, committee, labelled, rng: np.random.Generator):
        """(unlabelled batch of the not-yet-labelled pool structures, their pool indices)."""
        remaining = self.pool.unrevealed
        parameter = next(committee.parameters())
        batch = self.pool.unlabelled_batch(getattr(committee, "cutoff_radius", None), parameter.dtype)
        return batch.select(torch.as_tensor(remaining)), remaining

    def label(self, handles: Sequence[int]):
        return self.pool.reveal(handles)

    def positions_of(self, handles: Sequence[int]):
        return self.pool.positions_of(handles)


def budget_fits(source, n_start: int, n_add: int, rounds: int) -> None:
    """A PoolError when the labels the loop will ask for do not fit in the pool."""
    needed = n_start + n_add * rounds
    if n_start > source.capacity:
        raise PoolError(f"cannot start from {n_start} structures: the pool holds {int(source.capacity)}")
    if math.isfinite(source.capacity) and needed > source.capacity:
        raise PoolError(f"{n_start} start + {rounds} rounds x {n_add} = {needed} labels, but the pool holds "
                        f"{int(source.capacity)} structures")
