"""A recorded molecular-dynamics trajectory and what is read off it directly.

Whatever integrated it (ASE's VelocityVerlet or Langevin, or the batched torch integrator), a run is a
list of frames at times t_k: positions, velocities and forces of every atom, the potential energy E_pot
and the kinetic energy E_kin = sum_I m_I |v_I|^2 / 2. From these:

    E_tot = E_kin + E_pot                    conserved in NVE (up to a wobble of order dt^2)
    drift = slope of E_tot against t        eV/ps; zero for conservative forces and a small dt
    T_inst = 2 E_kin / (n_dof k_B)           K; n_dof = 3N minus the motions removed at the start

Units: time fs, positions Å, velocities Å/fs, energies eV, forces eV/Å, masses amu.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import ase.io
import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from nnpes_core.units import BOLTZMANN, FS


@dataclass
class MDRun:
    """One trajectory: frames every ``record_every`` steps of ``timestep_fs``."""

    time_fs: np.ndarray  # [n_frames]
    potential_energy: np.ndarray  # [n_frames] eV
    kinetic_energy: np.ndarray  # [n_frames] eV
    steps_per_second: float
    positions: np.ndarray | None = None  # [n_frames, n_atoms, 3] Å, when recorded
    velocities: np.ndarray | None = None  # [n_frames, n_atoms, 3] Å/fs, when recorded
    forces: np.ndarray | None = None  # [n_frames, n_atoms, 3] eV/Å, when recorded
    numbers: np.ndarray | None = None  # [n_atoms]
    masses: np.ndarray | None = None  # [n_atoms] amu
    cell: np.ndarray = field(default_factory=lambda: np.zeros((3, 3)))  # Å
    pbc: np.ndarray = field(default_factory=lambda: np.zeros(3, bool))
    timestep_fs: float = 0.5
    record_every: int = 1
    thermostat: str = "nve"  # "nve" or "langevin"
    temperature_K: float | None = None  # start (NVE) or bath (Langevin) temperature
    friction_per_fs: float | None = None  # Langevin only
    degrees_of_freedom: int | None = None  # for the instantaneous temperature
    steps_done: int = 0
    stopped: bool = False  # stopped early by the caller: the frames so far are kept
    failure: str | None = None  # why the integration was abandoned (energy jump, NaN), one line

    @property
    def n_frames(self) -> int:
        return len(self.time_fs)

    @property
    def total_energy(self) -> np.ndarray:
        """E_kin + E_pot, [n_frames] eV."""
        return self.potential_energy + self.kinetic_energy

    @property
    def drift_ev_per_ps(self) -> float:
        """Slope of a straight line fitted to the total energy against time, eV/ps."""
        return energy_drift(self.time_fs, self.total_energy)

    @property
    def energy_fluctuation(self) -> float:
        """Standard deviation of the total energy around its trend line, eV."""
        return energy_fluctuation(self.time_fs, self.total_energy)

    @property
    def temperature(self) -> np.ndarray:
        """Instantaneous temperature 2 E_kin / (n_dof k_B), [n_frames] K."""
        n_dof = self.degrees_of_freedom or 3 * len(self.numbers)
        return 2.0 * self.kinetic_energy / (n_dof * BOLTZMANN)

    def frames(self, every: int = 1) -> list[Atoms]:
        """Every ``every``-th recorded frame as Atoms with energy and forces (a SinglePointCalculator),
        momenta and ``time_fs`` in ``info``: what ``write_extxyz`` writes."""
        if self.positions is None:
            raise ValueError("this run did not record positions")
        result = []
        for k in range(0, self.n_frames, max(1, int(every))):
            atoms = Atoms(numbers=self.numbers, positions=self.positions[k], cell=self.cell, pbc=self.pbc,
                          masses=self.masses)
            if self.velocities is not None:  # ASE keeps momenta in amu Å per ASE time unit
                atoms.set_momenta(self.masses[:, None] * self.velocities[k] / FS)
            labels = {"energy": float(self.potential_energy[k])}
            if self.forces is not None:
                labels["forces"] = self.forces[k]
            atoms.calc = SinglePointCalculator(atoms, **labels)
            atoms.info.update(time_fs=float(self.time_fs[k]), kinetic_energy_eV=float(self.kinetic_energy[k]))
            if k == 0:  # how the run was made, once
                atoms.info.update(timestep_fs=self.timestep_fs, record_every=self.record_every * max(1, int(every)),
                                  thermostat=self.thermostat)
            result.append(atoms)
        return result

    def extxyz(self, every: int = 1) -> str:
        """The trajectory as extended-XYZ text (energy, forces, momenta, time per frame)."""
        buffer = io.StringIO()
        ase.io.write(buffer, self.frames(every), format="extxyz")
        return buffer.getvalue()

    def write_extxyz(self, path: str | os.PathLike, every: int = 1) -> Path:
        """Write the trajectory to ``path`` as extended XYZ (``ase.io.read(path, ":")`` reads it back)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.extxyz(every))
        return path


# The old name: NVE runs came first; a run now also records Langevin dynamics.
NVERun = MDRun


def energy_drift(time_fs: np.ndarray, total_energy: np.ndarray) -> float:
    """Slope of a least-squares line through E_tot(t), eV/ps (NaN if E_tot is not finite)."""
    time_fs, total_energy = np.asarray(time_fs, float), np.asarray(total_energy, float)
    if len(time_fs) < 2:
        return 0.0
    if not np.all(np.isfinite(total_energy)):
        return float("nan")
    return float(np.polyfit(time_fs, total_energy, 1)[0] * 1000.0)


def energy_fluctuation(time_fs: np.ndarray, total_energy: np.ndarray) -> float:
    """Standard deviation of E_tot around its least-squares line, eV (NaN if not finite)."""
    time_fs, total_energy = np.asarray(time_fs, float), np.asarray(total_energy, float)
    if len(time_fs) < 3:
        return 0.0
    if not np.all(np.isfinite(total_energy)):
        return float("nan")
    trend = np.polyval(np.polyfit(time_fs, total_energy, 1), time_fs)
    return float(np.std(total_energy - trend))


def rigid_degrees_of_freedom(n_atoms: int, linear: bool = False) -> int:
    """3 translations + 3 rotations (2 for a linear molecule; none beyond translation for one atom)."""
    if n_atoms == 1:
        return 3
    return 5 if linear or n_atoms == 2 else 6


def read_trajectory(path: str | os.PathLike) -> MDRun:
    """An extended-XYZ trajectory written by :meth:`MDRun.write_extxyz` (energy, forces, momenta and
    ``time_fs`` per frame) as an MDRun; ValueError with one line if the file is not such a trajectory."""
    path = Path(path)
    try:
        frames = ase.io.read(path, index=":", format="extxyz")
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise ValueError(f"could not read the trajectory {path.name}: {' '.join(str(error).split())[:160]}") from None
    if len(frames) < 2 or any("time_fs" not in atoms.info for atoms in frames):
        raise ValueError(f"{path.name} is not an MD trajectory (at least two frames with time_fs)")
    first = frames[0]
    time_fs = np.array([atoms.info["time_fs"] for atoms in frames], float)
    masses = first.get_masses()
    steps = np.diff(time_fs)
    timestep = float(first.info.get("timestep_fs", steps[0]))
    return MDRun(
        time_fs=time_fs,
        potential_energy=np.array([atoms.get_potential_energy() for atoms in frames]),
        kinetic_energy=np.array([atoms.get_kinetic_energy() for atoms in frames]),
        steps_per_second=float("nan"),
        positions=np.array([atoms.positions for atoms in frames]),
        velocities=np.array([atoms.get_velocities() * FS for atoms in frames]),
        forces=np.array([atoms.get_forces() for atoms in frames]),
        numbers=first.numbers.copy(), masses=masses, cell=first.cell.array.copy(), pbc=first.pbc.copy(),
        timestep_fs=timestep, record_every=int(first.info.get("record_every", round(steps[0] / timestep))),
        thermostat=str(first.info.get("thermostat", "nve")), temperature_K=first.info.get("temperature_K"),
        degrees_of_freedom=3 * len(first) - (rigid_degrees_of_freedom(len(first))
                                             if first.info.get("thermostat", "nve") == "nve" else 0),
        steps_done=int(round(time_fs[-1] / timestep)),
    )
