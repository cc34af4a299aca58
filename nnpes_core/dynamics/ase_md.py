"""Molecular dynamics through ASE with any calculator (a model, PySCF, Morse): NVE and Langevin.

NVE, velocity Verlet (ASE's ``VelocityVerlet``), with momenta p = m v:

    p(t + dt/2) = p(t) + F(t) dt/2,   R(t + dt) = R(t) + p(t + dt/2) dt / m,   p(t + dt) = p(t + dt/2) + F(t + dt) dt/2

The total energy E_kin + E_pot of a conservative force field stays constant up to a wobble of order
dt^2; a steady drift means the forces are not the gradient of the energy the integrator sees (a
direct-force model), or that the time step is too large.

Langevin (ASE's ``Langevin``: the second-order scheme of Vanden-Eijnden and Ciccotti, Chem. Phys. Lett.
429, 310 (2006)) adds a friction -gamma p and random kicks whose size is fixed by the bath temperature
(fluctuation-dissipation), so the kinetic energy samples the canonical distribution at T:

    dp = F dt - gamma p dt + sqrt(2 gamma m k_B T) dW

Units: time fs, temperature K, friction 1/fs (ASE's own time unit is converted with ``FS``).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from ase import Atoms
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import Stationary, ZeroRotation
from ase.md.verlet import VelocityVerlet

from nnpes_core.dynamics.trajectory import MDRun, rigid_degrees_of_freedom
from nnpes_core.units import FS

try:  # ASE >= 3.29
    from ase.md.velocitydistribution import thermalize_momenta
except ImportError:  # older ASE
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as thermalize_momenta

THERMOSTATS = ("nve", "langevin")
ENERGY_JUMP_EV = 1.0  # a change of the (NVE) total energy this large means the integration blew up

Progress = Callable[[int, int], None]  # (steps done, steps asked for)


class MDSettingsError(ValueError):
    """Settings that cannot give a trajectory (a negative time step, an unknown thermostat, ...)."""


def check_settings(steps: int, timestep_fs: float, thermostat: str = "nve", temperature: float | None = 300.0,
                   friction_per_fs: float | None = None) -> None:
    """Raise MDSettingsError (one line) for settings no integrator can use."""
    if thermostat not in THERMOSTATS:
        raise MDSettingsError(f"unknown thermostat {thermostat!r}: choose {' or '.join(THERMOSTATS)}")
    if int(steps) < 1:
        raise MDSettingsError("the number of steps must be at least 1")
    if not np.isfinite(timestep_fs) or timestep_fs <= 0:
        raise MDSettingsError("the time step must be a positive number of fs")
    if temperature is not None and (not np.isfinite(temperature) or temperature < 0):
        raise MDSettingsError("the temperature must be a non-negative number of K")
    if thermostat == "langevin":
        if temperature is None:
            raise MDSettingsError("Langevin dynamics needs a bath temperature")
        if friction_per_fs is None or not np.isfinite(friction_per_fs) or friction_per_fs <= 0:
            raise MDSettingsError("the Langevin friction must be a positive number per fs")


def initialise_velocities(atoms: Atoms, temperature: float, seed: int = 0) -> None:
    """Maxwell-Boltzmann velocities at T (K), without net translation or rotation."""
    thermalize_momenta(atoms, temperature_K=temperature, rng=np.random.default_rng(seed))
    Stationary(atoms)
    if len(atoms) > 2:
        ZeroRotation(atoms)


def run_md(atoms: Atoms, steps: int, timestep_fs: float = 0.5, thermostat: str = "nve",
           temperature: float | None = 300.0, friction_per_fs: float = 0.01, seed: int = 0,
           record_every: int = 1, record_trajectory: bool = True, initialise: bool = True,
           energy_jump_ev: float = ENERGY_JUMP_EV, progress: Progress | None = None,
           should_stop: Callable[[], bool] | None = None, progress_every: int | None = None) -> MDRun:
    """Integrate ``atoms`` with ``atoms.calc`` for ``steps`` steps and record every ``record_every``-th.

    ``initialise``: draw Maxwell-Boltzmann velocities at ``temperature`` first (seeded, no net
    translation or rotation); otherwise the velocities ``atoms`` carries are used. ``should_stop()``
    is asked after every step: True ends the run early and keeps what was computed (``stopped``).
    A run whose positions or energy become NaN, or whose total energy (NVE) or potential energy
    (Langevin) moves by more than ``energy_jump_ev`` eV, ends with a one-line ``failure``.
    """
    check_settings(steps, timestep_fs, thermostat, temperature, friction_per_fs)
    record_every = max(1, int(record_every))
    if initialise and temperature is not None:
        initialise_velocities(atoms, temperature, seed)
    if thermostat == "langevin":
        # every atom is kicked, the centre of mass included (it diffuses slowly): each velocity
        # component is then exactly Gaussian with variance k_B T / m. Holding the centre of mass would
        # couple them: in water the O atom's velocity is almost fixed by the two H atoms'.
        dynamics = Langevin(atoms, timestep=timestep_fs * FS, temperature_K=temperature,
                            friction=friction_per_fs / FS, fixcm=False, rng=np.random.default_rng(seed))
        n_dof = 3 * len(atoms)
    else:
        dynamics = VelocityVerlet(atoms, timestep=timestep_fs * FS)
        n_dof = 3 * len(atoms) - (rigid_degrees_of_freedom(len(atoms)) if initialise else 0)
    frames: dict[str, list] = {"time": [], "potential": [], "kinetic": [], "positions": [], "velocities": [],
                               "forces": []}
    failure = None
    every = progress_every or max(1, steps // 100)

    def current() -> tuple[float, np.ndarray]:
        """E_pot and forces at the current positions. ASE's MD loop has just asked for the forces, so the
        calculator's results are those of this geometry: read them instead of asking again (ASE's generic
        change check, np.allclose on every array, costs more than a small force field)."""
        results = getattr(atoms.calc, "results", {})
        if "energy" in results and "forces" in results:
            return float(results["energy"]), results["forces"]
        return atoms.get_potential_energy(), atoms.get_forces()

    def record() -> None:
        energy, forces = current()
        frames["time"].append(dynamics.get_time() / FS)
        frames["potential"].append(energy)
        frames["kinetic"].append(atoms.get_kinetic_energy())
        if record_trajectory:
            frames["positions"].append(atoms.get_positions())
            frames["velocities"].append(atoms.get_velocities() * FS)  # Å per ASE time unit -> Å/fs
            frames["forces"].append(np.array(forces, dtype=float))

    def blew_up(step: int) -> str | None:
        if not np.all(np.isfinite(atoms.positions)):
            return f"the positions became NaN at step {step} (t = {step * timestep_fs:g} fs)"
        if step % record_every and step % every:  # the energy is checked where it is recorded or reported
            return None
        energy = current()[0]
        if not np.isfinite(energy):
            return f"the energy became NaN at step {step} (t = {step * timestep_fs:g} fs)"
        start = frames["potential"][0] + (frames["kinetic"][0] if thermostat == "nve" else 0.0)
        now = energy + (atoms.get_kinetic_energy() if thermostat == "nve" else 0.0)
        if abs(now - start) > energy_jump_ev:
            what = "total" if thermostat == "nve" else "potential"
            return (f"the {what} energy jumped by {now - start:+.3g} eV at step {step} "
                    f"(t = {step * timestep_fs:g} fs): the integration blew up")
        return None

    started = time.perf_counter()
    done = 0
    stopped = False
    try:
        record()
        for _ in dynamics.irun(steps):
            if dynamics.nsteps == 0:
                continue
            done = dynamics.nsteps
            failure = blew_up(done)
            if failure:
                break
            if done % record_every == 0:
                record()
            if progress is not None and (done % every == 0 or done == steps):
                progress(done, steps)
            if should_stop is not None and done < steps and should_stop():
                stopped = True
                break
    except (ValueError, RuntimeError, FloatingPointError) as error:  # e.g. a model fed NaN or huge positions
        failure = f"the calculator failed at step {done + 1} ({' '.join(str(error).split())[:160]})"
    elapsed = time.perf_counter() - started
    arrays = {key: np.array(value) if value else None for key, value in frames.items()}
    return MDRun(
        time_fs=arrays["time"], potential_energy=arrays["potential"], kinetic_energy=arrays["kinetic"],
        steps_per_second=done / max(elapsed, 1e-9), positions=arrays["positions"],
        velocities=arrays["velocities"], forces=arrays["forces"], numbers=atoms.numbers.copy(),
        masses=atoms.get_masses(), cell=atoms.cell.array.copy(), pbc=atoms.pbc.copy(), timestep_fs=timestep_fs,
        record_every=record_every, thermostat=thermostat, temperature_K=temperature,
        friction_per_fs=friction_per_fs if thermostat == "langevin" else None, degrees_of_freedom=n_dof,
        steps_done=done, stopped=stopped, failure=failure,
    )


def run_nve(atoms: Atoms, steps: int, timestep_fs: float = 0.5, temperature: float | None = 300.0,
            seed: int = 0, record_every: int = 1, record_positions: bool = False,
            trajectory_path: str | None = None, **options) -> MDRun:
    """Velocity-Verlet NVE with ``atoms.calc``; records energies every ``record_every`` steps
    (positions, velocities and forces too with ``record_positions`` or a ``trajectory_path``)."""
    run = run_md(atoms, steps, timestep_fs, "nve", temperature, seed=seed, record_every=record_every,
                 record_trajectory=record_positions or bool(trajectory_path),
                 initialise=temperature is not None, **options)
    if trajectory_path:
        run.write_extxyz(trajectory_path)
    return run


def run_langevin(atoms: Atoms, steps: int, timestep_fs: float = 0.5, temperature: float = 300.0,
                 friction_per_fs: float = 0.01, seed: int = 0, **options) -> MDRun:
    """Langevin dynamics at ``temperature`` (K) with ``friction_per_fs`` (1/fs), ASE's scheme."""
    return run_md(atoms, steps, timestep_fs, "langevin", temperature, friction_per_fs, seed, **options)
