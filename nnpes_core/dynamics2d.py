"""A particle on a 2-D surface, integrated with velocity Verlet: the smallest NVE experiment.

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


ForceField2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> F [..., 2]
EnergyFunction2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> E [...]


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
