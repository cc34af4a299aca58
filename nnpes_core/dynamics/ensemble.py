"""Many trajectories recorded together: what ``run_ensemble`` returns.

Frames of every trajectory are kept at the same step numbers, as arrays with a trajectory axis:
energies [n_frames, n_traj], and positions/velocities/forces of all atoms of all systems one after the
other [n_frames, n_atoms, 3] (``atom_offsets`` says where each system starts). Each trajectory may have
its own time step, so its times are step * dt of that trajectory. ``trajectory(i)`` cuts one out as the
MDRun the ASE path would have returned. Units: fs, Å, Å/fs, eV, eV/Å, amu, K.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnpes_core.dynamics.trajectory import MDRun, energy_drift, energy_fluctuation


@dataclass
class EnsembleRun:
    """Frames of n_traj trajectories recorded at the same step numbers."""

    step: np.ndarray  # [n_frames] step index of each frame
    timestep_fs: np.ndarray  # [n_traj]
    potential_energy: np.ndarray  # [n_frames, n_traj] eV (NaN after a trajectory failed)
    kinetic_energy: np.ndarray  # [n_frames, n_traj] eV
    numbers: np.ndarray  # [n_atoms] all systems, one after the other
    masses: np.ndarray  # [n_atoms] amu
    atom_offsets: np.ndarray  # [n_traj + 1] first atom of each system
    cells: np.ndarray  # [n_traj, 3, 3] Å
    pbc: np.ndarray  # [n_traj, 3]
    positions: np.ndarray | None = None  # [n_frames, n_atoms, 3] Å
    velocities: np.ndarray | None = None  # [n_frames, n_atoms, 3] Å/fs
    forces: np.ndarray | None = None  # [n_frames, n_atoms, 3] eV/Å
    thermostat: str = "nve"
    temperature_K: np.ndarray | None = None  # [n_traj]
    friction_per_fs: float | None = None
    degrees_of_freedom: np.ndarray | None = None  # [n_traj]
    record_every: int = 1
    failure: list = field(default_factory=list)  # [n_traj] None or one line
    failed_at_step: np.ndarray | None = None  # [n_traj], -1 for a trajectory that did not fail
    steps_done: int = 0
    stopped: bool = False
    seconds: float = 0.0

    @property
    def n_trajectories(self) -> int:
        return len(self.timestep_fs)

    @property
    def time_fs(self) -> np.ndarray:
        """Time of every frame in every trajectory, [n_frames, n_traj] fs."""
        return self.step[:, None] * self.timestep_fs[None, :]

    @property
    def total_energy(self) -> np.ndarray:
        return self.potential_energy + self.kinetic_energy  # [n_frames, n_traj] eV

    @property
    def steps_per_second(self) -> float:
        """Steps of the whole batch per second of wall time."""
        return self.steps_done / max(self.seconds, 1e-9)

    @property
    def molecule_steps_per_second(self) -> float:
        """Steps times trajectories per second: the throughput an ensemble is run for."""
        return self.steps_per_second * self.n_trajectories

    def _good(self, index: int) -> np.ndarray:
        """Frames of trajectory ``index`` before it failed, [n_frames] bool."""
        if self.failed_at_step is None or self.failed_at_step[index] < 0:
            return np.ones(len(self.step), bool)
        return self.step < self.failed_at_step[index]

    @property
    def drift_ev_per_ps(self) -> np.ndarray:
        """Slope of each trajectory's total energy against time, [n_traj] eV/ps (NaN if it failed)."""
        return np.array([energy_drift(self.time_fs[:, i], self.total_energy[:, i]) if self.failure[i] is None
                         else np.nan for i in range(self.n_trajectories)])

    @property
    def energy_fluctuation(self) -> np.ndarray:
        """Standard deviation of each total energy around its trend, [n_traj] eV (NaN if it failed)."""
        return np.array([energy_fluctuation(self.time_fs[:, i], self.total_energy[:, i])
                         if self.failure[i] is None else np.nan for i in range(self.n_trajectories)])

    def trajectory(self, index: int) -> MDRun:
        """Trajectory ``index`` alone, as the ASE path would have returned it (frames before a failure)."""
        good = self._good(index)
        atoms = slice(self.atom_offsets[index], self.atom_offsets[index + 1])
        pick = lambda array: None if array is None else array[good][:, atoms]  # noqa: E731
        return MDRun(
            time_fs=self.time_fs[good, index], potential_energy=self.potential_energy[good, index],
            kinetic_energy=self.kinetic_energy[good, index], steps_per_second=self.steps_per_second,
            positions=pick(self.positions), velocities=pick(self.velocities), forces=pick(self.forces),
            numbers=self.numbers[atoms], masses=self.masses[atoms], cell=self.cells[index], pbc=self.pbc[index],
            timestep_fs=float(self.timestep_fs[index]), record_every=self.record_every, thermostat=self.thermostat,
            temperature_K=None if self.temperature_K is None else float(self.temperature_K[index]),
            friction_per_fs=self.friction_per_fs,
            degrees_of_freedom=None if self.degrees_of_freedom is None else int(self.degrees_of_freedom[index]),
            steps_done=self.steps_done, stopped=self.stopped, failure=self.failure[index],
        )
