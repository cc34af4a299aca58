"""Molecular dynamics on a learned (or any) surface.

- ``trajectory``: ``MDRun``, one recorded trajectory (energies, positions, velocities, forces; drift,
  fluctuation, temperature; extended-XYZ output).
- ``ase_md``: NVE (velocity Verlet) and Langevin through ASE with any calculator: ``run_md``,
  ``run_nve``, ``run_langevin``, ``initialise_velocities``.
- ``batched``: many independent trajectories as one torch batch (velocity Verlet, BAOAB Langevin):
  ``run_ensemble`` -> ``EnsembleRun`` (``ensemble``).
- ``analysis``: energy error against the time step, Maxwell-Boltzmann speeds, Verlet's frequency shift,
  learned vs reference trajectories.
- ``surface_md``: one particle on a 2-D surface (Müller-Brown, LEPS), exact or learned.
"""
from nnpes_core.dynamics.ase_md import (
    THERMOSTATS, MDSettingsError, check_settings, initialise_velocities, run_langevin, run_md, run_nve,
    thermalize_momenta,
)
from nnpes_core.dynamics.batched import run_ensemble
from nnpes_core.dynamics.ensemble import EnsembleRun
from nnpes_core.dynamics.trajectory import MDRun, NVERun, energy_drift, energy_fluctuation

__all__ = [
    "MDRun", "NVERun", "EnsembleRun", "MDSettingsError", "THERMOSTATS", "check_settings", "energy_drift",
    "energy_fluctuation", "initialise_velocities", "run_md", "run_nve", "run_langevin", "run_ensemble",
    "thermalize_momenta",
]
