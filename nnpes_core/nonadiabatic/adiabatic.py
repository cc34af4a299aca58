"""From a diabatic 2 x 2 Hamiltonian to adiabatic surfaces and the non-adiabatic coupling.

Diagonalising V(x) = [[V11, V12], [V12, V22]] in closed form, with Δ = (V11 - V22)/2:

    E∓(x) = (V11 + V22)/2 ∓ sqrt(Δ² + V12²)                  (lower -, upper +)

The eigenvectors are a rotation by the mixing angle θ(x), tan 2θ = V12 / Δ:

    φ_lower = (-sin θ, cos θ),   φ_upper = (cos θ, sin θ)

so the non-adiabatic (derivative) coupling is the rate at which the states rotate:

    d12(x) = <φ_lower | dφ_upper/dx> = dθ/dx = (Δ V12' - V12 Δ') / (2 (Δ² + V12²))
           = <φ_lower| V' |φ_upper> / (E_upper - E_lower)        (d21 = -d12)

Large where the gap is small and the states change character: at an avoided crossing. Written with
arithmetic only, so the same function works on numpy arrays and on torch tensors (autograd flows
through it: ``diabatisation.py`` trains a network with it). Atomic units: Eₕ, bohr.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnpes_core.nonadiabatic.tully import DiabaticHamiltonian


@dataclass(frozen=True)
class AdiabaticStates:
    """Adiabatic energies (Eₕ), their gradients dE/dx (Eₕ/bohr) and the coupling d12 (1/bohr), each [n]."""

    energy_lower: Any
    energy_upper: Any
    gradient_lower: Any
    gradient_upper: Any
    coupling: Any  # d12 = <lower | d/dx upper>

    @property
    def energies(self) -> np.ndarray:
        """[n, 2]: lower, upper (numpy)."""
        return np.stack([np.asarray(self.energy_lower), np.asarray(self.energy_upper)], -1)

    @property
    def gradients(self) -> np.ndarray:
        """[n, 2]: dE_lower/dx, dE_upper/dx (numpy)."""
        return np.stack([np.asarray(self.gradient_lower), np.asarray(self.gradient_upper)], -1)

    @property
    def gap(self):
        return self.energy_upper - self.energy_lower


def adiabatic_states(h: DiabaticHamiltonian) -> AdiabaticStates:
    """Eigenvalues, their gradients and d12 of the diabatic matrices ``h`` (arrays or tensors [n])."""
    mean, half_difference = (h.v11 + h.v22) / 2, (h.v11 - h.v22) / 2  # Δ
    dmean, dhalf_difference = (h.dv11 + h.dv22) / 2, (h.dv11 - h.dv22) / 2
    half_gap_squared = half_difference**2 + h.v12**2
    half_gap = half_gap_squared**0.5
    dhalf_gap = (half_difference * dhalf_difference + h.v12 * h.dv12) / half_gap
    coupling = (half_difference * h.dv12 - h.v12 * dhalf_difference) / (2 * half_gap_squared)
    return AdiabaticStates(mean - half_gap, mean + half_gap, dmean - dhalf_gap, dmean + dhalf_gap, coupling)
