"""The exact quantum answer: a time-independent scattering solution on a grid.

Instead of following a wave packet in time, we solve the stationary Schrödinger equation at the one
energy E = (ħk)²/2M + E_lower(left) of the incoming particle, for the two-component wavefunction
ψ(x) = (ψ1(x), ψ2(x)) in the diabatic basis:

    -(1/2M) ψ''(x) + V(x) ψ(x) = E ψ(x)                           (atomic units, ħ = 1)

On a grid x_n = x_left + n h the second derivative becomes (ψ_{n+1} - 2ψ_n + ψ_{n-1}) / h², one 2 x 2
block per point: a block-tridiagonal linear system. Outside the box the potential is constant; in
each of its eigenchannels α (energy ε_α) the grid equation has plane waves ψ_n ∝ λ_α^{±n} with

    λ_α + 1/λ_α = 2 - 2M h² (E - ε_α),     λ_α = exp(i q_α h)  (open channel, |λ| = 1)
                                            or  |λ_α| < 1        (closed channel: decays)

(the grid's own dispersion relation, so the boundaries are exactly transparent). The boundary
conditions say: on the left an incoming wave of amplitude 1 in the lower channel plus outgoing
(reflected) waves r_α; on the right only outgoing (transmitted) waves t_α. Solving once gives all
four amplitudes, and the probabilities are the outgoing fluxes over the incoming one:

    P = |amplitude|² sin(q_out h) / sin(q_in h)            (the grid's group velocities)

They add up to 1 (flux conservation; ``details["total"]`` reports it). Only the grid spacing h
approximates (error ∝ (k h)²); by default k_max h ≤ 0.05 with k_max the largest local momentum.
A wave packet (split-operator propagation) gives the same probabilities averaged over its momentum
spread; the stationary solution gives them at exactly one k, which is what a momentum scan wants.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import solve_banded

from nnpes_core.nonadiabatic.outcomes import ScatteringProbabilities
from nnpes_core.nonadiabatic.tully import TwoStateModel

MAX_PHASE_PER_POINT = 0.05  # k_max h: about 125 grid points per wavelength


def _outgoing_ratio(E: float, channel_energies: np.ndarray, kappa: float) -> np.ndarray:
    """λ_α of the outgoing (open) or decaying (closed) grid wave in each channel [n_channels] (complex)."""
    cosine = 1.0 - (E - channel_energies) / (2.0 * kappa)
    if np.any(cosine < -1.0):
        raise ValueError("grid too coarse for this energy (k h > π)")
    open_channel = np.abs(cosine) <= 1.0
    return np.where(open_channel, cosine + 1j * np.sqrt(np.clip(1.0 - cosine**2, 0.0, None)),
                    cosine - np.sqrt(np.clip(cosine**2 - 1.0, 0.0, None)))


def exact_probabilities(model: TwoStateModel, momentum: float, grid_spacing: float | None = None,
                        box: tuple[float, float] | None = None) -> ScatteringProbabilities:
    """Exact transmission/reflection probabilities on each adiabatic surface for a particle coming in
    from the left on the lower surface with momentum ``momentum`` (ħ/bohr)."""
    if not momentum > 0:
        raise ValueError(f"the momentum must be positive (got {momentum})")
    x_left, x_right = box or model.box
    mass = model.mass
    left_energies, left_vectors = np.linalg.eigh(model.diabatic(np.array([x_left])).matrix()[0])
    right_energies, right_vectors = np.linalg.eigh(model.diabatic(np.array([x_right])).matrix()[0])
    energy = momentum**2 / (2 * mass) + left_energies[0]

    if grid_spacing is None:  # resolve the fastest local wave everywhere in the box
        lowest = model.adiabatic(np.linspace(x_left, x_right, 2001)).energy_lower.min()
        k_max = math.sqrt(2 * mass * max(energy - lowest, 1e-12))
        grid_spacing = min(0.02, MAX_PHASE_PER_POINT / k_max)
    n_points = int(math.ceil((x_right - x_left) / grid_spacing)) + 1
    x = np.linspace(x_left, x_right, n_points)
    h = x[1] - x[0]
    kappa = 1.0 / (2 * mass * h**2)  # kinetic coupling between neighbouring points, Eₕ

    # diagonal 2 x 2 blocks (2κ - E) I + V(x_n) [n, 2, 2]; neighbours couple by -κ I
    blocks = model.diabatic(x).matrix().astype(complex)
    blocks[:, 0, 0] += 2 * kappa - energy
    blocks[:, 1, 1] += 2 * kappa - energy
    left_ratio = _outgoing_ratio(energy, left_energies, kappa)
    right_ratio = _outgoing_ratio(energy, right_energies, kappa)
    # beyond the ends: ψ_{-1} = Σ_L ψ_0 + source, ψ_N = Σ_R ψ_{N-1} (outgoing waves only)
    blocks[0] -= kappa * (left_vectors * left_ratio) @ left_vectors.T
    blocks[-1] -= kappa * (right_vectors * right_ratio) @ right_vectors.T
    incoming = left_vectors[:, 0]
    rhs = np.zeros(2 * n_points, dtype=complex)
    rhs[:2] = kappa * incoming * (1.0 / left_ratio[0] - left_ratio[0])

    # banded storage of the interleaved unknowns (ψ_0¹, ψ_0², ψ_1¹, ...): bandwidth 2 on each side
    banded = np.zeros((5, 2 * n_points), dtype=complex)
    banded[2, 0::2], banded[2, 1::2] = blocks[:, 0, 0], blocks[:, 1, 1]
    banded[1, 1::2] = blocks[:, 0, 1]
    banded[3, 0::2] = blocks[:, 1, 0]
    banded[0, 2:] = -kappa
    banded[4, :-2] = -kappa
    psi = solve_banded((2, 2), banded, rhs).reshape(n_points, 2)

    reflected = left_vectors.T @ psi[0] - np.array([1.0, 0.0])
    transmitted = right_vectors.T @ psi[-1]
    incoming_flux = left_ratio[0].imag  # sin(q_in h)
    reflection = np.abs(reflected) ** 2 * left_ratio.imag / incoming_flux
    transmission = np.abs(transmitted) ** 2 * right_ratio.imag / incoming_flux
    total = float(reflection.sum() + transmission.sum())
    return ScatteringProbabilities(
        momentum=float(momentum), transmission_lower=float(transmission[0]),
        transmission_upper=float(transmission[1]), reflection_lower=float(reflection[0]),
        reflection_upper=float(reflection[1]), method="exact",
        details={"grid_points": n_points, "grid_spacing_bohr": float(h), "total": total,
                 "energy_hartree": float(energy)})
