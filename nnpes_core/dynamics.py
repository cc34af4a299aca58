"""Molecular dynamics through ASE, and how well it conserves energy.

In NVE (velocity Verlet) the total energy E_kin + E_pot of a conservative force field is constant up to
small oscillations of order dt^2; a steady drift means the forces are not the gradient of the energy
the integrator sees (a direct-force model), or that the time step is too large.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ase import Atoms
from ase.md.velocitydistribution import Stationary, ZeroRotation
from ase.md.verlet import VelocityVerlet

from nnpes_core.units import FS

try:  # ASE >= 3.29
    from ase.md.velocitydistribution import thermalize_momenta
except ImportError:  # older ASE
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as thermalize_momenta


@dataclass
class NVERun:
    time_fs: np.ndarray  # [n_frames]
    potential_energy: np.ndarray  # [n_frames] eV
    kinetic_energy: np.ndarray  # [n_frames] eV
    steps_per_second: float
    positions: list[np.ndarray] = field(default_factory=list)  # [n_frames][n_atoms, 3] Å, if recorded

    @property
    def total_energy(self) -> np.ndarray:
        return self.potential_energy + self.kinetic_energy

    @property
    def drift_ev_per_ps(self) -> float:
        """Slope of a straight line fitted to the total energy against time, eV/ps."""
        if len(self.time_fs) < 2:
            return 0.0
        slope_per_fs = np.polyfit(self.time_fs, self.total_energy, 1)[0]
        return float(slope_per_fs * 1000.0)

    @property
    def energy_fluctuation(self) -> float:
        """Standard deviation of the total energy around its trend line, eV."""
        if len(self.time_fs) < 3:
            return 0.0
        trend = np.polyval(np.polyfit(self.time_fs, self.total_energy, 1), self.time_fs)
        return float(np.std(self.total_energy - trend))


def initialise_velocities(atoms: Atoms, temperature: float, seed: int = 0) -> None:
    """Maxwell-Boltzmann velocities at T (K), without net translation or rotation."""
    thermalize_momenta(atoms, temperature_K=temperature, rng=np.random.default_rng(seed))
    Stationary(atoms)
    if len(atoms) > 2:
        ZeroRotation(atoms)


def run_nve(atoms: Atoms, steps: int, timestep_fs: float = 0.5, temperature: float | None = 300.0,
            seed: int = 0, record_every: int = 1, record_positions: bool = False,
            trajectory_path: str | None = None) -> NVERun:
    """Velocity-Verlet NVE with ``atoms.calc``; records energies every ``record_every`` steps."""
    if steps < 1 or timestep_fs <= 0:
        raise ValueError("steps must be at least 1 and the time step positive")
    if temperature is not None:
        initialise_velocities(atoms, temperature, seed)
    dynamics = VelocityVerlet(atoms, timestep=timestep_fs * FS)
    times, potential, kinetic, positions = [], [], [], []

    def record():
        times.append(dynamics.get_time() / FS)
        potential.append(atoms.get_potential_energy())
        kinetic.append(atoms.get_kinetic_energy())
        if record_positions or trajectory_path:
            positions.append(atoms.get_positions())

    dynamics.attach(record, interval=record_every)
    start = time.perf_counter()
    dynamics.run(steps)
    elapsed = time.perf_counter() - start
    if trajectory_path:
        from ase.io import write

        frames = []
        for frame_positions in positions:
            frame = atoms.copy()
            frame.positions = frame_positions
            frames.append(frame)
        write(trajectory_path, frames, format="extxyz")
    return NVERun(np.array(times), np.array(potential), np.array(kinetic), steps / elapsed,
                  positions if record_positions else [])
