"""Molecular dynamics of a periodic crystal at a temperature (Langevin, through ASE).

Langevin dynamics adds a friction -gamma m v and random kicks to Newton's equations; their balance
holds the kinetic energy at (3/2) N k_B T on average, so the crystal samples the canonical ensemble at
T. Snapshots of the positions feed g(r) (nnpes_core.materials.rdf). Any ASE calculator works: EMT, or
a trained model through ``nnpes_core.calculator.NNPESCalculator`` (which handles the cell).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.constraints import FixCom
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import Stationary

from nnpes_core.dynamics import thermalize_momenta
from nnpes_core.units import FS

Progress = Callable[[int, int], bool | None]  # progress(steps done, steps in all); False stops the run


@dataclass
class CrystalMD:
    temperature_target: float  # K
    time_fs: np.ndarray  # [n_records]
    temperature: np.ndarray  # [n_records] K, instantaneous (from the kinetic energy)
    potential_energy: np.ndarray  # [n_records] eV per atom
    frames: list[Atoms] = field(default_factory=list)  # snapshots after equilibration (cell kept)
    seconds: float = 0.0  # wall time
    steps: int = 0  # steps actually run
    stopped: bool = False

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(self.steps, 1)


def langevin_md(atoms: Atoms, calculator: Calculator, temperature: float, steps: int = 400,
                timestep_fs: float = 2.0, friction_per_fs: float = 0.02, equilibration_steps: int = 100,
                record_every: int = 10, seed: int = 0, progress: Progress | None = None) -> CrystalMD:
    """Langevin MD of a copy of ``atoms`` at ``temperature`` K; snapshots every ``record_every`` steps
    once ``equilibration_steps`` are done. ``progress(done, total)`` may return False to stop early."""
    if temperature <= 0 or steps < 1 or timestep_fs <= 0:
        raise ValueError("the temperature, the number of steps and the time step must be positive")
    rng = np.random.default_rng(seed)
    system = atoms.copy()
    system.calc = calculator
    system.set_constraint(FixCom())  # no drift of the whole crystal (the thermostat's kicks would add one)
    thermalize_momenta(system, temperature_K=temperature, rng=rng)
    Stationary(system)
    dynamics = Langevin(system, timestep=timestep_fs * FS, temperature_K=temperature,
                        friction=friction_per_fs / FS, fixcm=False, rng=rng)
    result = CrystalMD(temperature, np.zeros(0), np.zeros(0), np.zeros(0))
    times, temperatures, energies = [], [], []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        dynamics.run(1)
        result.steps = step
        if step % record_every == 0:
            times.append(dynamics.get_time() / FS)
            temperatures.append(system.get_temperature())
            energies.append(system.get_potential_energy() / len(system))
            if step > equilibration_steps:
                snapshot = system.copy()
                snapshot.set_constraint()
                snapshot.wrap()
                result.frames.append(snapshot)
        if progress is not None and step % record_every == 0 and progress(step, steps) is False:
            result.stopped = True
            break
    result.seconds = time.perf_counter() - start
    result.time_fs, result.temperature = np.array(times), np.array(temperatures)
    result.potential_energy = np.array(energies)
    return result


@dataclass
class RDFRun:
    potential: str  # the name given to the calculator ("EMT", "cu_bp", ...)
    temperature: float  # K, target
    r: np.ndarray  # [n_bins] Å
    g: np.ndarray  # [n_bins]
    md: CrystalMD


def rdf_at_temperatures(calculators: Mapping[str, Calculator], crystals: Mapping[str, Atoms],
                        temperatures: Sequence[float], steps: int = 300, r_max: float = 6.0, n_bins: int = 120,
                        seed: int = 0, progress: Callable[[int, int, str], bool | None] | None = None,
                        **md_options) -> list[RDFRun]:
    """g(r) from Langevin MD of each potential at each temperature.

    ``crystals[name]`` is the starting structure for the potential ``name`` (each at its own lattice
    constant). ``progress(done, total, message)`` is told after each run and before it; False stops (the
    runs finished so far are returned)."""
    from nnpes_core.materials.rdf import radial_distribution

    plan = [(name, float(t)) for t in temperatures for name in calculators]
    runs: list[RDFRun] = []
    for index, (name, temperature) in enumerate(plan):
        if progress is not None and progress(index, len(plan), f"{name} at {temperature:.0f} K") is False:
            break

        def step_progress(done, total, index=index):
            if progress is None:
                return None
            return progress(index + done / total, len(plan), f"{name} at {temperature:.0f} K: step {done}/{total}")

        md = langevin_md(crystals[name], calculators[name], temperature, steps=steps, seed=seed,
                         progress=step_progress, **md_options)
        if md.frames:
            r, g = radial_distribution(md.frames, r_max, n_bins)
            runs.append(RDFRun(name, temperature, r, g, md))
        if md.stopped:
            break
    return runs
