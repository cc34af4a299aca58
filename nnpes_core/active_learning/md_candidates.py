"""Candidates from molecular dynamics with the current model, labelled by the reference when picked.

This is how active learning explores in practice: run MD on the committee's own surface (its mean
energy, forces -dE/dR) at a chosen temperature, from structures that are already labelled, and keep
snapshots. Where the model is wrong the trajectory goes where the true surface would not let it (a
bond stretched too far, a hole in the surface), the members disagree there, and those snapshots are
the ones worth a reference calculation. Only the k picked snapshots are computed with the reference
(PySCF B3LYP/6-31G*, cached on disk, or any ASE calculator).

MD runs through ASE (Langevin, ``nnpes_core.data.md_sampling``) with the committee as a calculator.
Snapshots with two nuclei closer than ``MIN_DISTANCE_A`` (a trajectory that fell into a hole) are
dropped: no reference method would give a meaningful label there.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from ase.calculators.calculator import Calculator

from nnpes_core.active_learning.pool import PoolError, check_labelled
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.io import closest_pair, labelled_copy
from nnpes_core.data.samplers import label, md_sampling

MIN_DISTANCE_A = 0.6  # Å: closer nuclei mean the trajectory fell into a hole of the model


def md_candidates(committee: torch.nn.Module, starts: Sequence[Atoms], temperature: float, snapshots: int = 10,
                  interval: int = 10, timestep_fs: float = 0.5, equilibration_steps: int = 20, seed: int = 0
                  ) -> list[Atoms]:
    """Unlabelled snapshots of Langevin MD on the committee's mean surface at ``temperature`` (K).

    One trajectory per start structure: ``equilibration_steps``, then ``snapshots`` snapshots every
    ``interval`` steps of ``timestep_fs``. Runs in float64; snapshots with nuclei closer than
    ``MIN_DISTANCE_A`` are dropped.
    """
    if temperature <= 0 or snapshots < 1 or interval < 1 or timestep_fs <= 0:
        raise ValueError("MD candidates need a positive temperature, snapshots, interval and time step")
    calculator = NNPESCalculator(committee, dtype=torch.float64)
    frames = []
    for index, start in enumerate(starts):
        plain = Atoms(start.numbers, positions=start.positions, cell=start.cell, pbc=start.pbc)
        trajectory = md_sampling(plain, calculator, snapshots, temperature, timestep_fs=timestep_fs,
                                 interval=interval, seed=seed + index, equilibration_steps=equilibration_steps)
        for frame in trajectory:
            pair = closest_pair(frame)
            if pair is None or pair[2] >= MIN_DISTANCE_A:
                frames.append(Atoms(frame.numbers, positions=frame.positions, cell=frame.cell, pbc=frame.pbc,
                                    info={"temperature_K": float(temperature), "sampler": "al-md"}))
    return frames


class MDSource:
    """Candidates: MD snapshots with the current committee. Labels: ``reference`` (an ASE calculator)."""

    name = "md"
    capacity = float("inf")

    def __init__(self, start_frames: Sequence[Atoms], reference: Calculator, temperature: float = 600.0,
                 trajectories: int = 4, snapshots: int = 10, interval: int = 10, timestep_fs: float = 0.5):
        check_labelled(list(start_frames), "the start structures")
        self.start_frames = list(start_frames)
        self.reference = reference
        self.temperature, self.trajectories, self.snapshots = float(temperature), int(trajectories), int(snapshots)
        self.interval, self.timestep_fs = int(interval), float(timestep_fs)
        self.from_cache = 0  # labels the reference read back from its disk cache (PySCF)
        self.computed = 0  # labels it had to compute
        self._round = 0

    def initial(self, n: int, rng: np.random.Generator, choose: Sequence[int] | None = None):
        """``n`` of the labelled start structures (random, seeded)."""
        if n > len(self.start_frames):
            raise PoolError(f"cannot start from {n} structures: only {len(self.start_frames)} labelled ones given")
        chosen = list(choose) if choose is not None else rng.choice(len(self.start_frames), n, replace=False)
        return [labelled_copy(self.start_frames[i]) for i in chosen]

    def candidates(self, committee, labelled, rng: np.random.Generator):
        """(unlabelled batch of MD snapshots, the snapshots): trajectories start from labelled structures."""
        starts = [labelled[i] for i in rng.choice(len(labelled), min(self.trajectories, len(labelled)),
                                                  replace=False)]
        self._round += 1
        frames = md_candidates(committee, starts, self.temperature, self.snapshots, self.interval, self.timestep_fs,
                               seed=int(rng.integers(2**31)))
        if not frames:
            raise PoolError("every MD snapshot fell into a hole of the model (nuclei closer than "
                            f"{MIN_DISTANCE_A} Å): lower the temperature or start with more labels")
        parameter = next(committee.parameters())
        batch = AtomicBatch.from_atoms(frames, committee.cutoff_radius, dtype=parameter.dtype, with_labels=False)
        return batch, frames

    def label(self, handles: Sequence[Atoms]) -> list[Atoms]:
        """The picked snapshots with reference energies and forces."""
        labelled = []
        for frame in handles:
            self.reference.reset()  # no result kept in memory: the calculation (or its disk cache) decides
            labelled.extend(label([frame], self.reference))
            cached = bool(getattr(self.reference, "from_cache", False))
            self.from_cache += cached
            self.computed += not cached
        for atoms, frame in zip(labelled, handles):
            atoms.info.update(frame.info)
        return labelled

    def positions_of(self, handles: Sequence[Atoms]):
        return [frame.positions.copy() for frame in handles]
