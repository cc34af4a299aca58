"""Fewest-switches surface hopping (FSSH), Tully 1990, for many trajectories at once.

Each trajectory is a classical particle (position x, velocity v, mass M) that moves on ONE adiabatic
surface at a time, its *active* surface, and carries two complex electronic amplitudes c = (c1, c2)
(c1: lower, c2: upper). Along the path the amplitudes follow the time-dependent Schrödinger equation
in the adiabatic basis (atomic units, ħ = 1):

    i dc1/dt = E1 c1 - i v d12 c2
    i dc2/dt = E2 c2 + i v d12 c1                   (d21 = -d12)

The population flows between the states at the rate d|c2|²/dt = 2 v d12 Re(c1 c2*). "Fewest
switches": over a time step Δt, a trajectory on surface a hops to the other surface b with

    g_{a→b} = max(0, Δt · (d|c_b|²/dt) / |c_a|²)

(compared with a uniform random number), which is just enough hops to keep the fraction of
trajectories on each surface equal to the average |c|². A hop conserves the total energy: the
momentum component along the coupling vector d12 is rescaled so that ½Mv'² + E_b = ½Mv² + E_a. In
one dimension d12 points along x, so the whole velocity is rescaled: v' = sign(v) sqrt(v² - 2ΔE/M).
If the kinetic energy along d12 is smaller than ΔE the hop is *frustrated*: the particle stays on its
surface with its velocity unchanged (Tully's original prescription).

The nuclei move by velocity Verlet on the active surface. The amplitudes are propagated with the
exact exponential of the 2 x 2 Hamiltonian, held constant over each of a few electronic sub-steps
(energies and v·d12 interpolated linearly across the nuclear step).

All trajectories are numpy arrays [n_trajectories], so hundreds take well under a second per momentum.
Atomic units throughout: x in bohr, t in ħ/Eₕ (0.0242 fs), energies in Eₕ, momentum in ħ/bohr.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nnpes_core.nonadiabatic.outcomes import ScatteringProbabilities
from nnpes_core.nonadiabatic.tully import TwoStateModel

STEP_LENGTH = 0.05  # bohr travelled per nuclear step at the incoming speed
MAX_TIME_STEP = 20.0  # a.u. of time
LONGEST_RUN = 40  # a trajectory may take up to this many times the time to cross the box once


@dataclass
class RecordedTrajectory:
    """One trajectory's path: time (a.u.), x (bohr), energy of the active surface (Eₕ), active state
    (0 lower, 1 upper), velocity (bohr per a.u. of time), each [n_points]. A hop appears as two points
    at the same x (before and after)."""

    time: np.ndarray
    position: np.ndarray
    energy: np.ndarray
    state: np.ndarray
    velocity: np.ndarray

    def total_energy(self, mass: float) -> np.ndarray:
        """½Mv² + E_active (Eₕ) [n_points]: constant, hops included, up to the Verlet wobble."""
        return 0.5 * mass * self.velocity**2 + self.energy


@dataclass
class FSSHRun:
    probabilities: ScatteringProbabilities
    trajectories: list[RecordedTrajectory] = field(default_factory=list)
    hops: int = 0  # successful hops, all trajectories
    frustrated_hops: int = 0
    time_step: float = 0.0  # a.u. of time
    seconds: float = 0.0


def propagate_amplitudes(c: np.ndarray, energies: np.ndarray, velocity_coupling: np.ndarray,
                         tau: float) -> np.ndarray:
    """c(t + τ) = exp(-i H τ) c(t) for H = [[E1, -i w], [i w, E2]], w = v·d12: c [n, 2] complex,
    energies [n, 2] (Eₕ), velocity_coupling w [n] (1/time), τ in a.u.

    With H = h0·1 + hz σz + w σy (h0, hz the mean and half difference of E1, E2) the exponential is
    exp(-i h0 τ) [cos(|h|τ) - i sin(|h|τ) (hz σz + w σy)/|h|], |h| = sqrt(hz² + w²). The common phase
    exp(-i h0 τ) multiplies both amplitudes alike, so it changes no population and no Re(c1 c2*):
    it is left out.
    """
    hz = (energies[:, 0] - energies[:, 1]) / 2
    norm = np.sqrt(hz**2 + velocity_coupling**2)
    angle = norm * tau
    s = np.where(norm > 0, np.sin(angle) / np.where(norm > 0, norm, 1.0), tau)  # sin(|h|τ)/|h|
    diagonal = np.cos(angle) - 1j * s * hz  # the (1,1) element; the (2,2) one is its conjugate
    mixing = s * velocity_coupling
    c1, c2 = c[:, 0], c[:, 1]
    out = np.empty_like(c)
    out[:, 0] = diagonal * c1 - mixing * c2
    out[:, 1] = mixing * c1 + np.conj(diagonal) * c2
    return out


def hopping_probability(c: np.ndarray, state: np.ndarray, velocity_coupling: np.ndarray, tau: float
                        ) -> np.ndarray:
    """Tully's g_{a→b} over a time τ for trajectories on ``state`` a [n] (0 or 1): the population flux
    into the other state, 2 v d12 Re(c1 c2*) (into 2; its negative into 1), times τ over |c_a|²."""
    flux_into_upper = 2 * velocity_coupling * np.real(c[:, 0] * np.conj(c[:, 1]))
    flux_out = np.where(state == 0, flux_into_upper, -flux_into_upper)
    population = np.abs(c[np.arange(len(state)), state]) ** 2
    return np.clip(tau * flux_out / np.maximum(population, 1e-300), 0.0, None)


def run_fssh(model: TwoStateModel, momentum: float, n_trajectories: int, seed: int = 0, *,
             time_step: float | None = None, electronic_substeps: int = 4, n_recorded: int = 0,
             record_every: int = 20, box: tuple[float, float] | None = None,
             progress: Callable[[float], None] | None = None) -> FSSHRun:
    """Scatter ``n_trajectories`` FSSH trajectories off ``model``: all start at the left end of the box
    on the lower surface with momentum ``momentum`` (ħ/bohr) and c = (1, 0); each ends when it leaves
    the box. Returns the four outcome probabilities with binomial standard errors, and the paths of
    the first ``n_recorded`` trajectories (every ``record_every`` steps, and at each hop). ``box``
    (bohr) replaces the model's; ``progress(fraction_done)`` is called as trajectories leave it. Seeded
    (a numpy Generator of its own: no global random state)."""
    if not momentum > 0:
        raise ValueError(f"the momentum must be positive (got {momentum})")
    if n_trajectories < 1:
        raise ValueError(f"need at least one trajectory (got {n_trajectories})")
    start_clock = time.perf_counter()
    rng = np.random.default_rng(seed)
    mass, (x_left, x_right) = model.mass, box or model.box
    speed = momentum / mass
    dt = time_step or min(STEP_LENGTH / speed, MAX_TIME_STEP)
    max_steps = int(LONGEST_RUN * (x_right - x_left) / (speed * dt)) + 1
    tau = dt / electronic_substeps

    # the live trajectories (shrinks as they leave the box); ``ids`` maps them to 0..N-1
    ids = np.arange(n_trajectories)
    x = np.full(n_trajectories, float(x_left))
    v = np.full(n_trajectories, speed)
    state = np.zeros(n_trajectories, dtype=int)
    c = np.zeros((n_trajectories, 2), dtype=complex)
    c[:, 0] = 1.0
    surfaces = model.adiabatic(x)
    energies, gradients, coupling = surfaces.energies, surfaces.gradients, surfaces.coupling

    transmitted = np.zeros(n_trajectories, dtype=bool)
    final_state = np.zeros(n_trajectories, dtype=int)
    hops = frustrated = 0
    recorded = {j: ([0.0], [x_left], [energies[j, 0]], [0], [speed]) for j in range(min(n_recorded, n_trajectories))}

    def record(step_time, where, positions, new_energies, states, velocities):
        for i in where:
            path = recorded[ids[i]]
            values = (step_time, positions[i], new_energies[i, states[i]], states[i], velocities[i])
            for column, value in zip(path, values):
                column.append(value)

    step = 0
    for step in range(1, max_steps + 1):
        rows = np.arange(len(ids))
        acceleration = -gradients[rows, state] / mass
        x_new = x + v * dt + 0.5 * acceleration * dt**2
        new = model.adiabatic(x_new)
        new_energies, new_gradients, new_coupling = new.energies, new.gradients, new.coupling
        v_new = v + 0.5 * (acceleration - new_gradients[rows, state] / mass) * dt

        # electronic sub-steps: accumulate the hopping probability, propagate the amplitudes
        g = np.zeros(len(ids))
        for sub in range(electronic_substeps):
            f = (sub + 0.5) / electronic_substeps
            sub_energies = energies + f * (new_energies - energies)
            w = v * coupling + f * (v_new * new_coupling - v * coupling)
            g += hopping_probability(c, state, w, tau)
            c = propagate_amplitudes(c, sub_energies, w, tau)

        attempt = rng.random(len(ids)) < g
        if attempt.any():
            target = 1 - state
            gap = new_energies[rows, target] - new_energies[rows, state]
            kinetic = 0.5 * mass * v_new**2  # all of it lies along d12 in one dimension
            allowed = attempt & (kinetic > gap)
            frustrated += int((attempt & ~allowed).sum())
            hops += int(allowed.sum())
            if allowed.any():
                if recorded:
                    record_before = [i for i in np.flatnonzero(allowed) if ids[i] in recorded]
                    record(step * dt, record_before, x_new, new_energies, state, v_new)
                v_new[allowed] = np.sign(v_new[allowed]) * np.sqrt(v_new[allowed] ** 2 - 2 * gap[allowed] / mass)
                state = np.where(allowed, target, state)

        x, v, energies, gradients, coupling = x_new, v_new, new_energies, new_gradients, new_coupling
        left = (x < x_left) | (x > x_right)
        if recorded and (step % record_every == 0 or left.any()):
            rows_to_record = [i for i in range(len(ids)) if ids[i] in recorded
                              and (step % record_every == 0 or left[i])]
            record(step * dt, rows_to_record, x, energies, state, v)
        if left.any():
            transmitted[ids[left]] = x[left] > x_right
            final_state[ids[left]] = state[left]
            keep = ~left
            ids, x, v, state, c = ids[keep], x[keep], v[keep], state[keep], c[keep]
            energies, gradients, coupling = energies[keep], gradients[keep], coupling[keep]
            if progress is not None:
                progress(1.0 - len(ids) / n_trajectories)
        if len(ids) == 0:
            break
    # trajectories still inside after LONGEST_RUN crossing times: classified by where they are heading
    unfinished = len(ids)
    transmitted[ids] = v > 0
    final_state[ids] = state

    n = n_trajectories
    probabilities = ScatteringProbabilities(
        momentum=float(momentum), method="fssh", n_trajectories=n,
        transmission_lower=float(np.sum(transmitted & (final_state == 0)) / n),
        transmission_upper=float(np.sum(transmitted & (final_state == 1)) / n),
        reflection_lower=float(np.sum(~transmitted & (final_state == 0)) / n),
        reflection_upper=float(np.sum(~transmitted & (final_state == 1)) / n),
        details={"hops": hops, "frustrated_hops": frustrated, "unfinished": unfinished,
                 "time_step_au": dt, "steps": step, "seed": seed})
    paths = [RecordedTrajectory(*(np.asarray(column) for column in recorded[j])) for j in sorted(recorded)]
    return FSSHRun(probabilities, paths, hops, frustrated, dt, time.perf_counter() - start_clock)
