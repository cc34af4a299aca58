"""One particle rolling on a 2-D surface (Müller-Brown, LEPS, ...): velocity Verlet on the exact
surface or on a network trained on it, in the surface's units.

Müller-Brown lives in arbitrary units (mass 1, time in units of the surface). LEPS has Å and eV; there
the particle gets the mass of one H atom and the time step is given in fs (converted to ASE's time unit
inside, so that E = m v^2 / 2 holds in eV). A simplification: the kinetic energy of three atoms on a
line couples r_AB and r_BC, which a single particle of one mass does not.

The integrator, the smallest NVE experiment:

    v(t + dt/2) = v(t) + F(x(t)) dt / 2m
    x(t + dt)   = x(t) + v(t + dt/2) dt
    v(t + dt)   = v(t + dt/2) + F(x(t + dt)) dt / 2m

For F = -grad E the integrator conserves E_kin + E up to a bounded wobble of order dt² — no drift,
for any smooth E, a neural network included. A force field with curl pumps energy in (or out) as the
particle circles around: E_kin + E then drifts however small the time step.

Positions, energies and time are in the surface's own units (Müller-Brown: arbitrary units, mass 1).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from ase.data import atomic_masses

from nnpes_core.derivatives import force_field
from nnpes_core.potentials.toy2d import Surface2D
from nnpes_core.units import FS

ForceField2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> F [..., 2]
EnergyFunction2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> E [...]
H_MASS = float(atomic_masses[1])  # amu


def no_grad_force(force_fn: ForceField2D) -> ForceField2D:
    """A directly predicted force field evaluated without building an autograd graph."""

    def force(xy: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return force_fn(xy)

    return force


@dataclass
class Trajectory2D:
    """Recorded frames of n particles moving independently (one batch: the cost of one)."""

    time: np.ndarray  # [n_frames]
    positions: np.ndarray  # [n_frames, n_particles, 2]
    velocities: np.ndarray  # [n_frames, n_particles, 2]
    kinetic_energy: np.ndarray  # [n_frames, n_particles]
    potential_energy: np.ndarray  # [n_frames, n_particles], from the energy function given to the integrator
    steps_per_second: float

    @property
    def total_energy(self) -> np.ndarray:
        """E_kin + E_pot, [n_frames, n_particles]."""
        return self.kinetic_energy + self.potential_energy

    @property
    def energy_change(self) -> np.ndarray:
        """E_tot(t) - E_tot(0) for each particle, [n_frames, n_particles]."""
        return self.total_energy - self.total_energy[:1]

    @property
    def drift(self) -> np.ndarray:
        """Slope of a straight line fitted to each particle's total energy against time, [n_particles]
        (energy per unit time; NaN where the energy overflowed)."""
        total = self.total_energy
        slopes = np.full(total.shape[1], np.nan)  # NaN for a particle whose energy overflowed
        finite = np.isfinite(total).all(axis=0)
        if len(self.time) >= 2 and finite.any():
            slopes[finite] = np.polyfit(self.time, total[:, finite], 1)[0]
        return slopes

    @property
    def rms_energy_change(self) -> np.ndarray:
        """sqrt(<(E_tot(t) - E_tot(0))²>) over the particles, [n_frames]: grows for a force with curl."""
        return self.rms_change()

    def rms_change(self, particles: np.ndarray | None = None) -> np.ndarray:
        """The RMS energy change over the chosen particles (a boolean mask [n_particles]), [n_frames];
        NaN when none is chosen."""
        change = self.energy_change if particles is None else self.energy_change[:, np.asarray(particles, bool)]
        if change.shape[1] == 0:
            return np.full(len(self.time), np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.sqrt((change**2).mean(axis=1))

    @property
    def max_abs_energy_change(self) -> float:
        """The largest |E_tot(t) - E_tot(0)| of any particle at any time."""
        return float(np.abs(self.energy_change).max())

    def escaped(self, x_range: Sequence[float], y_range: Sequence[float], margin: float = 1.0) -> np.ndarray:
        """[n_particles] True for a particle that ever left the box widened by ``margin`` (or whose energy
        overflowed): a force field that pumps in energy can fling particles far beyond the surface's walls."""
        x, y = self.positions[..., 0], self.positions[..., 1]
        outside = ((x < x_range[0] - margin) | (x > x_range[1] + margin)
                   | (y < y_range[0] - margin) | (y > y_range[1] + margin)
                   | ~np.isfinite(self.total_energy))
        return outside.any(axis=0)


def velocity_verlet_2d(
    force_fn: ForceField2D,
    energy_fn: EnergyFunction2D,
    start: Sequence[float] | np.ndarray,
    velocity: Sequence[float] | np.ndarray = (0.0, 0.0),
    timestep: float = 1e-3,
    steps: int = 2000,
    mass: float = 1.0,
    record_every: int = 1,
) -> Trajectory2D:
    """NVE dynamics of particles of ``mass`` under ``force_fn``; E_pot recorded with ``energy_fn``.

    ``start`` and ``velocity`` are [2] for one particle or [n_particles, 2] for several, integrated
    together in one batch. ``energy_fn`` only measures (it does not move the particles): pass the model's
    own energy to see what the integrator conserves, or the reference surface to see the true energy.
    """
    if steps < 1 or timestep <= 0 or mass <= 0:
        raise ValueError("steps must be at least 1, the time step and the mass positive")
    position = torch.as_tensor(np.asarray(start, dtype=float), dtype=torch.float64).reshape(-1, 2)
    speed = torch.as_tensor(np.asarray(velocity, dtype=float), dtype=torch.float64).reshape(-1, 2)
    speed = speed.expand_as(position).clone()
    force = force_fn(position).detach().reshape(position.shape)
    times, positions, velocities = [], [], []

    def record(step: int) -> None:
        times.append(step * timestep)
        positions.append(position.numpy().copy())
        velocities.append(speed.numpy().copy())

    record(0)
    started = time.perf_counter()
    for step in range(1, steps + 1):
        speed = speed + 0.5 * timestep * force / mass  # [n, 2]
        position = position + timestep * speed
        force = force_fn(position).detach().reshape(position.shape)
        speed = speed + 0.5 * timestep * force / mass
        if not torch.isfinite(position).all():
            raise FloatingPointError(f"a particle left to infinity at step {step}: use a smaller time step")
        if step % record_every == 0:
            record(step)
    elapsed = time.perf_counter() - started
    positions_array, velocities_array = np.array(positions), np.array(velocities)  # [n_frames, n, 2]
    with torch.no_grad():
        potential = energy_fn(torch.as_tensor(positions_array)).detach().cpu().numpy().astype(float)
    kinetic = 0.5 * mass * (velocities_array**2).sum(-1)
    return Trajectory2D(np.array(times), positions_array, velocities_array, kinetic, potential,
                        steps / max(elapsed, 1e-9))


def velocity_for_energy(direction_degrees: float | np.ndarray, kinetic_energy: float, mass: float = 1.0) -> np.ndarray:
    """Velocities [..., 2] of the given kinetic energy, pointing ``direction_degrees`` from the +x axis."""
    if kinetic_energy < 0:
        raise ValueError("the kinetic energy cannot be negative")
    speed = np.sqrt(2.0 * kinetic_energy / mass)
    angle = np.radians(np.asarray(direction_degrees, dtype=float))
    return speed * np.stack([np.cos(angle), np.sin(angle)], axis=-1)


def particle_swarm(center: Sequence[float], n_particles: int, kinetic_energy: float, spread: float = 0.05,
                   mass: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded starting positions [n, 2] (Gaussian, width ``spread`` around ``center``) and velocities
    [n, 2] of equal kinetic energy in random directions."""
    rng = np.random.default_rng(seed)
    positions = np.asarray(center, dtype=float) + spread * rng.standard_normal((n_particles, 2))
    return positions, velocity_for_energy(rng.uniform(0.0, 360.0, n_particles), kinetic_energy, mass)


@dataclass
class ParticleRun:
    """A 2-D trajectory with its units: time in ``time_unit`` (fs for surfaces in eV)."""

    trajectory: Trajectory2D | None
    time: np.ndarray  # [n_frames] in time_unit
    energy_unit: str
    length_unit: str
    time_unit: str
    mass: float
    failure: str | None = None

    @property
    def drift(self) -> float:
        """Slope of E_tot against time (energy unit per time unit)."""
        total = self.trajectory.total_energy[:, 0]
        return float(np.polyfit(self.time, total, 1)[0]) if len(self.time) > 1 and np.all(np.isfinite(total)) \
            else float("nan")


def particle_units(surface: Surface2D) -> tuple[str, str, str, float, float]:
    """(energy unit, length unit, time unit, mass, integrator time per time unit) of ``surface``."""
    if getattr(surface, "energy_unit", None) == "eV":
        return "eV", "Å", "fs", H_MASS, FS
    return "a.u.", "a.u.", "a.u.", 1.0, 1.0


def energy_of(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """A trained 2-D network as a float64 energy function xy [..., 2] -> E [...] (whatever its dtype)."""
    parameter = next(model.parameters())

    def energy(xy: torch.Tensor) -> torch.Tensor:
        return model(xy.to(device=parameter.device, dtype=parameter.dtype)).to(device=xy.device, dtype=torch.float64)

    return energy


def run_particle(surface: Surface2D, start: Sequence[float], kinetic_energy: float, direction_degrees: float,
                 timestep: float, steps: int, model: torch.nn.Module | None = None,
                 record_every: int = 1) -> ParticleRun:
    """NVE of one particle from ``start`` with ``kinetic_energy`` (energy unit) heading ``direction_degrees``
    from the +x axis; forces -dE/dxy of ``model`` (a 2-D network) or of the exact ``surface``.
    ``timestep`` in the time unit of :func:`particle_units`. A run that flies off ends with a ``failure``."""
    energy_unit, length_unit, time_unit, mass, integrator_time = particle_units(surface)
    energy = surface if model is None else energy_of(model)
    velocity = velocity_for_energy(direction_degrees, kinetic_energy, mass)
    try:
        trajectory = velocity_verlet_2d(force_field(energy), energy, start, velocity, timestep * integrator_time,
                                        steps, mass, record_every)
    except FloatingPointError as error:
        return ParticleRun(None, np.zeros(0), energy_unit, length_unit, time_unit, mass,
                           f"{error} (Δt = {timestep:g} {time_unit})")
    return ParticleRun(trajectory, trajectory.time / integrator_time, energy_unit, length_unit, time_unit, mass)
