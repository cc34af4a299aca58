"""One particle rolling on a 2-D surface (Müller-Brown, LEPS, ...): velocity Verlet from
``nnpes_core.dynamics2d`` on the exact surface or on a network trained on it, in the surface's units.

Müller-Brown lives in arbitrary units (mass 1, time in units of the surface). LEPS has Å and eV; there
the particle gets the mass of one H atom and the time step is given in fs (converted to ASE's time unit
inside, so that E = m v^2 / 2 holds in eV). A simplification: the kinetic energy of three atoms on a
line couples r_AB and r_BC, which a single particle of one mass does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from ase.data import atomic_masses

from nnpes_core.dynamics2d import Trajectory2D, gradient_force, velocity_for_energy, velocity_verlet_2d
from nnpes_core.potentials.toy2d import Surface2D
from nnpes_core.units import FS

H_MASS = float(atomic_masses[1])  # amu


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
        trajectory = velocity_verlet_2d(gradient_force(energy), energy, start, velocity, timestep * integrator_time,
                                        steps, mass, record_every)
    except FloatingPointError as error:
        return ParticleRun(None, np.zeros(0), energy_unit, length_unit, time_unit, mass,
                           f"{error} (Δt = {timestep:g} {time_unit})")
    return ParticleRun(trajectory, trajectory.time / integrator_time, energy_unit, length_unit, time_unit, mass)
