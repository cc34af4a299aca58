"""What a trajectory says about the integrator and the ensemble: energy error against the time step,
and velocities against the Maxwell-Boltzmann distribution.

Velocity Verlet is a second-order symplectic integrator: it conserves a "shadow" energy exactly-ish,
and the true E_tot = E_kin + E_pot wobbles around it with an amplitude that grows as dt^2. On a log-log
plot of the energy error against dt the points therefore lie on a line of slope 2 — until dt approaches
the period of the fastest vibration (about 9 fs for an O-H stretch) and the integration blows up.

In the canonical ensemble at T each velocity component of an atom of mass m is Gaussian with variance
k_B T / m, so its speed v = |v| follows

    f(v) = 4 pi (m / (2 pi k_B T))^(3/2) v^2 exp(-m v^2 / (2 k_B T))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.dynamics.ase_md import initialise_velocities
from nnpes_core.dynamics.batched import run_ensemble
from nnpes_core.dynamics.ensemble import EnsembleRun
from nnpes_core.units import BOLTZMANN, FS


@dataclass
class TimestepStudy:
    """Energy error of the same start integrated with several time steps."""

    timesteps_fs: np.ndarray  # [n]
    energy_error: np.ndarray  # [n] eV: std of E_tot over the window; NaN where the run blew up
    failures: list  # [n] None or the one-line reason
    duration_fs: float  # the window the error is measured over
    slope: float  # d log(error) / d log(dt) over the runs that did not blow up (NaN if < 2 of them)
    run: EnsembleRun

    @property
    def blown_up(self) -> list[tuple[float, str]]:
        """(time step, reason) of every run that blew up."""
        return [(float(dt), why) for dt, why in zip(self.timesteps_fs, self.failures) if why]


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x over the finite, positive points (NaN if < 2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    good = np.isfinite(y) & (y > 0) & (x > 0)
    if good.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[good]), np.log(y[good]), 1)[0])


def timestep_study(model: nn.Module, atoms: Atoms, timesteps_fs: Sequence[float], duration_fs: float = 100.0,
                   temperature: float = 300.0, seed: int = 0, dtype: torch.dtype = torch.float64,
                   device: str | torch.device | None = None, energy_jump_ev: float = 1.0,
                   progress: Callable[[int, int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> TimestepStudy:
    """The same start (positions, seeded Maxwell-Boltzmann velocities at ``temperature``) integrated
    with every time step at once (one batch); the error of each is the standard deviation of its total
    energy over its first ``duration_fs`` fs."""
    timesteps = np.sort(np.asarray(timesteps_fs, dtype=float))
    if len(timesteps) < 2 or np.any(timesteps <= 0):
        raise ValueError("give at least two positive time steps")
    if duration_fs < 2 * timesteps.max():
        raise ValueError(f"the window ({duration_fs:g} fs) must span at least two of the largest steps")
    start = atoms.copy()
    initialise_velocities(start, temperature, seed)
    steps = int(np.ceil(duration_fs / timesteps.min()))
    run = run_ensemble(model, [start] * len(timesteps), steps, timesteps, "nve", temperature=None,
                       initialise=False, record_trajectory=False, dtype=dtype, device=device,
                       energy_jump_ev=energy_jump_ev, progress=progress, should_stop=should_stop)
    errors = np.full(len(timesteps), np.nan)
    for index in range(len(timesteps)):
        window = run.time_fs[:, index] <= duration_fs + 1e-9
        total = run.total_energy[window, index]
        if run.failure[index] is None and window.sum() >= 3 and np.all(np.isfinite(total)):
            errors[index] = float(np.std(total))
    return TimestepStudy(timesteps, errors, list(run.failure), float(duration_fs), loglog_slope(timesteps, errors), run)


def maxwell_boltzmann_speed_pdf(speed: np.ndarray, mass_amu: float, temperature: float) -> np.ndarray:
    """f(v) in fs/Å for speeds v in Å/fs of an atom of mass m (amu) at T (K); integrates to 1."""
    speed_ase = np.asarray(speed, float) / FS  # Å per ASE time unit: m v^2 is then in eV
    kt = BOLTZMANN * temperature
    density = 4 * np.pi * (mass_amu / (2 * np.pi * kt)) ** 1.5 * speed_ase**2 * np.exp(-mass_amu * speed_ase**2 / (2 * kt))
    return density / FS  # per (Å/fs): dv_ase = dv_fs / FS


def mean_speed(mass_amu: float, temperature: float) -> float:
    """<v> = sqrt(8 k_B T / (pi m)) in Å/fs."""
    return float(np.sqrt(8 * BOLTZMANN * temperature / (np.pi * mass_amu)) * FS)


def speeds_by_element(velocities: np.ndarray, numbers: np.ndarray) -> dict[int, np.ndarray]:
    """Speeds |v| (Å/fs) of every recorded frame, pooled per element: {Z: [n_frames * n_atoms_of_Z]}.

    ``velocities`` [n_frames, n_atoms, 3] Å/fs."""
    speeds = np.linalg.norm(np.asarray(velocities, float), axis=-1)  # [n_frames, n_atoms]
    return {int(z): speeds[:, np.asarray(numbers) == z].ravel() for z in np.unique(numbers)}


def trajectory_deviation(positions: np.ndarray, reference_positions: np.ndarray) -> np.ndarray:
    """The largest distance between corresponding atoms of two trajectories frame by frame, [n_frames] Å
    (both [n_frames, n_atoms, 3], recorded at the same times)."""
    positions, reference_positions = np.asarray(positions, float), np.asarray(reference_positions, float)
    n = min(len(positions), len(reference_positions))
    return np.linalg.norm(positions[:n] - reference_positions[:n], axis=-1).max(axis=1)


def start_of(run, frame: int = 0) -> Atoms:
    """Frame ``frame`` of a recorded run (MDRun) as Atoms with its momenta: to start another potential
    from exactly the same positions and velocities."""
    atoms = Atoms(numbers=run.numbers, positions=run.positions[frame], cell=run.cell, pbc=run.pbc, masses=run.masses)
    atoms.set_momenta(run.masses[:, None] * run.velocities[frame] / FS)
    return atoms


def verlet_wavenumber(wavenumber_cm: float | np.ndarray, timestep_fs: float) -> np.ndarray:
    """The wavenumber (cm^-1) at which velocity Verlet with step dt makes a harmonic vibration of
    ``wavenumber_cm`` oscillate: omega_dt = (2/dt) arcsin(omega dt / 2), NaN beyond the stability limit
    omega dt >= 2."""
    from nnpes_core.analysis.spectra import WAVENUMBER_PER_INVERSE_FS

    omega = 2 * np.pi * np.asarray(wavenumber_cm, float) / WAVENUMBER_PER_INVERSE_FS  # rad/fs
    half = omega * timestep_fs / 2
    with np.errstate(invalid="ignore"):
        shifted = 2 * np.arcsin(np.where(half < 1, half, np.nan)) / timestep_fs
    return shifted * WAVENUMBER_PER_INVERSE_FS / (2 * np.pi)
