"""Many independent trajectories advanced together in torch: one batch, one model call per step.

A model evaluated on one water molecule is almost all overhead (a few hundred tiny operations); on 64
molecules at once each operation does 64 times the work for little more time. So an ensemble — the
trajectories averaged for a spectrum, or the candidates of active learning — runs as ONE AtomicBatch
whose ``structure`` index keeps the systems apart: they never interact (separate neighbour lists), and
forces come from the shared ``energy_and_forces`` (-dE/dR by autograd).

NVE: velocity Verlet with momenta, the same arithmetic as ASE's ``VelocityVerlet`` (a test runs one
trajectory both ways):

    p += F dt/2;   R += p dt / m;   F = F(R);   p += F dt/2

Langevin: BAOAB (Leimkuhler and Matthews, Appl. Math. Res. Express 2013, 34), the splitting with the
most accurate configurational averages. Every atom is kicked (as ASE's Langevin with ``fixcm=False``),
so all 3N degrees of freedom are thermalised and each velocity component is Gaussian with variance
k_B T / m:

    B: p += F dt/2   A: R += p dt/(2m)   O: p = c1 p + sqrt((1 - c1^2) m k_B T) xi   A   B,   c1 = exp(-gamma dt)

Each system may have its own time step (the energy-error-vs-dt study runs all time steps as one batch).
A system whose energy jumps or turns NaN is frozen where it was and marked as failed; the others go on.
Internally ASE's units (eV, Å, amu, ASE time); the public API speaks fs, Å/fs, eV, K.
"""
from __future__ import annotations

import copy
import time
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.calculator import threads_for_system
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.dynamics.ase_md import ENERGY_JUMP_EV, check_settings, initialise_velocities
from nnpes_core.dynamics.ensemble import EnsembleRun
from nnpes_core.dynamics.trajectory import rigid_degrees_of_freedom
from nnpes_core.models import energy_and_forces
from nnpes_core.models.layers import scatter_sum
from nnpes_core.threads import torch_threads
from nnpes_core.units import BOLTZMANN, FS


class _ForceField:
    """Energies [n_traj] and forces [n_atoms, 3] of the batch at given positions, with a Verlet list
    (cutoff + skin) rebuilt only when some atom has moved more than half the skin."""

    def __init__(self, model: nn.Module, frames: Sequence[Atoms], dtype: torch.dtype, device: torch.device,
                 skin: float = 0.5):
        self.model, self.frames, self.dtype, self.device, self.skin = model, list(frames), dtype, device, skin
        self.batch: AtomicBatch | None = None
        self.listed_at: torch.Tensor | None = None

    def _rebuild(self, positions: torch.Tensor) -> None:
        host = positions.detach().cpu().numpy().astype(np.float64)
        offset = 0
        for atoms in self.frames:  # the frames carry numbers, cells and pbc; positions change
            atoms.positions = host[offset:offset + len(atoms)]
            offset += len(atoms)
        self.batch = AtomicBatch.from_atoms(self.frames, self.model.cutoff_radius + self.skin, dtype=self.dtype,
                                            device=self.device, with_labels=False)
        self.listed_at = positions.detach().clone()

    def __call__(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.batch is None or float((positions - self.listed_at).norm(dim=1).max()) > 0.5 * self.skin:
            self._rebuild(positions)
        batch = self.batch.with_positions(positions)
        if getattr(self.model, "conservative", True):
            energy, forces = energy_and_forces(self.model, batch)
        else:
            with torch.no_grad():  # a direct-force model needs no graph
                energy, forces = energy_and_forces(self.model, batch)
        return energy.detach(), forces.detach()


def _per_system(values, n: int, name: str) -> np.ndarray:
    array = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    if array.shape != (n,):
        raise ValueError(f"{name} needs one value or one per trajectory ({n})")
    return array


def run_ensemble(model: nn.Module, frames: Sequence[Atoms], steps: int, timestep_fs: float | Sequence[float] = 0.5,
                 thermostat: str = "nve", temperature: float | Sequence[float] | None = 300.0,
                 friction_per_fs: float = 0.01, seed: int = 0, initialise: bool = True, record_every: int = 1,
                 record_trajectory: bool = True, device: str | torch.device | None = None,
                 dtype: torch.dtype = torch.float64, energy_jump_ev: float = ENERGY_JUMP_EV,
                 progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
                 progress_every: int | None = None, threads: int | str | None = "auto") -> EnsembleRun:
    """Integrate every structure of ``frames`` for ``steps`` steps as one batch (see module docstring).

    ``timestep_fs`` and ``temperature`` may differ per trajectory. ``initialise``: Maxwell-Boltzmann
    velocities at the temperature (seed + index for trajectory index, no net translation or rotation:
    the same as ``initialise_velocities`` in the ASE path); otherwise the frames' own momenta. The model
    is used in ``dtype`` on ``device`` (a converted copy; the caller's model is not changed).
    """
    frames = [atoms.copy() for atoms in frames]
    if not frames:
        raise ValueError("no structures to integrate")
    n_traj = len(frames)
    dt_fs = _per_system(timestep_fs, n_traj, "timestep_fs")
    temperatures = None if temperature is None else _per_system(temperature, n_traj, "temperature")
    for dt, t in zip(dt_fs, temperatures if temperatures is not None else [None] * n_traj):
        check_settings(steps, dt, thermostat, t, friction_per_fs)
    for atoms in frames:
        model.check_elements(atoms.numbers)
    if initialise and temperatures is not None:
        for index, atoms in enumerate(frames):
            initialise_velocities(atoms, temperatures[index], seed + index)
    device = torch.device(device or next(model.parameters()).device)
    if _needs_copy(model, device, dtype):  # convert a copy: the caller's model stays as it was
        model = copy.deepcopy(model).to(device=device, dtype=dtype).eval()
    record_every = max(1, int(record_every))

    counts = [len(atoms) for atoms in frames]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    structure = torch.as_tensor(np.repeat(np.arange(n_traj), counts), device=device)
    masses_np = np.concatenate([atoms.get_masses() for atoms in frames])
    tensor = lambda array: torch.as_tensor(np.asarray(array), dtype=dtype, device=device)  # noqa: E731
    masses = tensor(masses_np)[:, None]  # [n_atoms, 1] amu
    dt = tensor(dt_fs * FS)[structure][:, None]  # [n_atoms, 1] ASE time units
    positions = tensor(np.concatenate([atoms.positions for atoms in frames]))
    momenta = tensor(np.concatenate([atoms.get_momenta() for atoms in frames]))  # amu Å / ASE time
    active = torch.ones(n_traj, dtype=torch.bool, device=device)
    if thermostat == "langevin":
        generator = torch.Generator(device=device).manual_seed(int(seed))
        c1 = torch.exp(-(friction_per_fs / FS) * dt)  # [n_atoms, 1]
        kick = torch.sqrt((1.0 - c1**2) * masses * BOLTZMANN * tensor(temperatures)[structure][:, None])
        n_dof = np.array([3 * n for n in counts])
    else:
        n_dof = np.array([3 * n - (rigid_degrees_of_freedom(n) if initialise and temperatures is not None else 0)
                          for n in counts])

    def kinetic(p: torch.Tensor) -> torch.Tensor:  # [n_traj] eV
        return scatter_sum((p * p / (2 * masses)).sum(1), structure, n_traj)

    force_field = _ForceField(model, frames, dtype, device)
    records = {"step": [], "potential": [], "kinetic": [], "positions": [], "velocities": [], "forces": []}
    failure: list = [None] * n_traj
    failed_at = np.full(n_traj, -1)

    def record(step: int, energy: torch.Tensor, p: torch.Tensor, forces: torch.Tensor) -> None:
        records["step"].append(step)
        potential = energy.to(torch.float64).cpu().numpy().copy()
        kinetic_energy = kinetic(p).to(torch.float64).cpu().numpy()
        frozen = ~active.cpu().numpy()
        potential[frozen], kinetic_energy[frozen] = np.nan, np.nan
        records["potential"].append(potential)
        records["kinetic"].append(kinetic_energy)
        if record_trajectory:
            records["positions"].append(positions.cpu().numpy().astype(np.float64))
            records["velocities"].append((p / masses * FS).cpu().numpy().astype(np.float64))  # Å/fs
            records["forces"].append(forces.cpu().numpy().astype(np.float64))

    def check(step: int, energy: torch.Tensor, p: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """Mark trajectories that blew up; returns the atoms to freeze [n_atoms] (bool)."""
        now = energy + (kinetic(p) if thermostat == "nve" else 0.0)
        finite = torch.isfinite(now) & torch.isfinite(scatter_sum(positions.sum(1), structure, n_traj))
        jumped = (now - reference).abs() > energy_jump_ev
        bad = active & (~finite | jumped)
        if not bool(bad.any()):
            return None
        what = "total" if thermostat == "nve" else "potential"
        for index in torch.nonzero(bad).flatten().tolist():
            change = float(now[index] - reference[index])
            failure[index] = (f"the {what} energy jumped by {change:+.3g} eV at step {step} "
                              f"(t = {step * dt_fs[index]:g} fs): the integration blew up"
                              if np.isfinite(change) else
                              f"the energy became NaN at step {step} (t = {step * dt_fs[index]:g} fs)")
            failed_at[index] = step
        active[bad] = False
        return bad[structure]

    with torch_threads(threads_for_system(len(masses_np)) if threads == "auto" and device.type == "cpu"
                       else (None if threads == "auto" else threads)):
        energy, forces = force_field(positions)
        reference = energy + (kinetic(momenta) if thermostat == "nve" else 0.0)
        record(0, energy, momenta, forces)
        last_good = positions.clone()
        every = progress_every or max(1, steps // 100)
        done, stopped = 0, False
        started = time.perf_counter()
        for step in range(1, steps + 1):
            if thermostat == "nve":
                momenta = momenta + 0.5 * dt * forces
                positions = positions + dt * momenta / masses
                energy, forces = force_field(positions)
                momenta = momenta + 0.5 * dt * forces
            else:
                momenta = momenta + 0.5 * dt * forces
                positions = positions + 0.5 * dt * momenta / masses
                noise = torch.randn(momenta.shape, generator=generator, device=device, dtype=dtype)
                momenta = c1 * momenta + kick * noise
                positions = positions + 0.5 * dt * momenta / masses
                energy, forces = force_field(positions)
                momenta = momenta + 0.5 * dt * forces
            done = step
            freeze = check(step, energy, momenta, reference)
            if freeze is not None:  # put the failed systems back where they were, at rest
                positions = torch.where(freeze[:, None], last_good, positions)
                momenta = torch.where(freeze[:, None], torch.zeros_like(momenta), momenta)
                forces = torch.where(freeze[:, None], torch.zeros_like(forces), forces)
                if not bool(active.any()):
                    break
            last_good = positions
            if step % record_every == 0:
                record(step, energy, momenta, forces)
            if progress is not None and (step % every == 0 or step == steps):
                progress(step, steps)
            if should_stop is not None and step < steps and should_stop():
                stopped = True
                break
        seconds = time.perf_counter() - started

    stack = lambda key: np.array(records[key]) if records[key] else None  # noqa: E731
    return EnsembleRun(
        step=np.array(records["step"]), timestep_fs=dt_fs, potential_energy=stack("potential"),
        kinetic_energy=stack("kinetic"), numbers=np.concatenate([atoms.numbers for atoms in frames]),
        masses=masses_np, atom_offsets=offsets, cells=np.stack([atoms.cell.array for atoms in frames]),
        pbc=np.stack([atoms.pbc for atoms in frames]), positions=stack("positions"),
        velocities=stack("velocities"), forces=stack("forces"), thermostat=thermostat, temperature_K=temperatures,
        friction_per_fs=friction_per_fs if thermostat == "langevin" else None, degrees_of_freedom=n_dof,
        record_every=record_every, failure=failure, failed_at_step=failed_at, steps_done=done, stopped=stopped,
        seconds=seconds,
    )


def _needs_copy(model: nn.Module, device: torch.device, dtype: torch.dtype) -> bool:
    parameter = next(model.parameters())
    return parameter.device != device or parameter.dtype != dtype
