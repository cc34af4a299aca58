"""Why a finite-difference force has an error that first falls and then rises as the step h shrinks.

Taylor-expand the energy along one coordinate x:

    E(x ± h) = E ± h E' + h²/2 E'' ± h³/6 E''' + ...

- forward difference  (E(x + h) - E(x)) / h        = E' + h/2 E'' + ...   truncation error ~ C₁ h
- central difference  (E(x + h) - E(x - h)) / (2h) = E' + h²/6 E''' + ... truncation error ~ C₂ h²
  (the even terms cancel in the difference, so the first error term is of second order).

Each energy is stored with a relative rounding error of about eps (machine epsilon: 2.2e-16 in
float64, 1.2e-7 in float32), i.e. an absolute error of eps·|E|. Dividing a difference of two such
numbers by h turns it into a round-off error of about eps·|E| / h: it grows as h shrinks (slope -1 on a
log-log plot). The total, C h^p + eps·|E|/h, is smallest at

    h* = (eps·|E| / (p C))^(1 / (p + 1))     (about eps^(1/3) for central, eps^(1/2) for forward).

The functions here turn a measured error curve (from ``derivatives.fd_vs_autograd``) into the guide
lines and slopes a plot shows next to it. Steps in Å, errors in eV/Å, energies in eV.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

SCHEME_ORDER = {"central": 2, "forward": 1}  # power p of h in the truncation error
ENERGIES_PER_FORCE = {"central": lambda n_atoms: 6 * n_atoms, "forward": lambda n_atoms: 3 * n_atoms + 1}


def machine_epsilon(dtype: torch.dtype) -> float:
    """Spacing of floating-point numbers just above 1 (2.2e-16 for float64, 1.2e-7 for float32)."""
    return float(torch.finfo(dtype).eps)


def energy_evaluations(n_atoms: int, scheme: str = "central") -> int:
    """How many energies a finite-difference force on ``n_atoms`` atoms needs (6N or 3N + 1)."""
    return ENERGIES_PER_FORCE[scheme](int(n_atoms))


@dataclass(frozen=True)
class ErrorGuides:
    """Guide lines for a finite-difference error curve and what they predict."""

    order: int  # p: truncation error ~ C h^p
    truncation_coefficient: float  # C, eV/Å^(p+1), fitted where truncation dominates
    roundoff_scale: float  # eps·|E|, eV
    predicted_best_step: float  # h* (Å) where C h^p + eps|E|/h is smallest

    def truncation(self, steps: Sequence[float]) -> np.ndarray:
        """C h^p (eV/Å) at each step (Å)."""
        return self.truncation_coefficient * np.asarray(steps, dtype=float) ** self.order

    def roundoff(self, steps: Sequence[float]) -> np.ndarray:
        """eps·|E| / h (eV/Å) at each step (Å)."""
        return self.roundoff_scale / np.asarray(steps, dtype=float)


def error_guides(steps: Sequence[float], errors: Sequence[float], energy: float, dtype: torch.dtype,
                 scheme: str = "central", n_fit: int = 3) -> ErrorGuides:
    """Fit C of the truncation line C h^p to the ``n_fit`` largest steps (where truncation dominates);
    the round-off line eps·|E|/h has no free parameter. ``energy`` (eV) is the energy of the structure."""
    order = SCHEME_ORDER[scheme]
    steps, errors = np.asarray(steps, dtype=float), np.asarray(errors, dtype=float)
    largest = np.argsort(steps)[::-1][:n_fit]
    coefficient = float(np.median(errors[largest] / steps[largest] ** order))
    roundoff_scale = machine_epsilon(dtype) * abs(float(energy))
    if coefficient > 0 and roundoff_scale > 0:
        best = (roundoff_scale / (order * coefficient)) ** (1.0 / (order + 1))
    else:
        best = math.nan
    return ErrorGuides(order, coefficient, roundoff_scale, float(best))


def branch_slopes(steps: Sequence[float], errors: Sequence[float], points: int = 4) -> tuple[float, float]:
    """(large-h slope, small-h slope) of log(error) against log(h) on either side of the minimum;
    expect about p (truncation) and -1 (round-off).

    The large-h slope uses up to ``points`` of the largest steps before the minimum, the small-h
    slope every step after it, the minimum itself left out of both (there the two errors mix). Steps
    where the error has stopped changing are left out too: a float32 step too small to move a
    coordinate gives a difference quotient of 0 and an error of |F| whatever h. A side with fewer than
    two points gives NaN.
    """
    steps, errors = np.asarray(steps, dtype=float), np.asarray(errors, dtype=float)
    order = np.argsort(steps)[::-1]  # large h first
    steps, errors = steps[order], errors[order]
    best = int(np.argmin(errors))

    def slope(h: np.ndarray, e: np.ndarray) -> float:
        keep = e > 0
        if keep.sum() < 2:
            return math.nan
        return float(np.polyfit(np.log10(h[keep]), np.log10(e[keep]), 1)[0])

    large = slope(steps[:best][:points], errors[:best][:points])
    small_h, small_e = steps[best + 1:], errors[best + 1:]
    if len(small_e) > 1:
        flat = np.isclose(small_e, small_e[-1], rtol=1e-6)  # the plateau at the smallest steps
        if flat.sum() > 1:
            first_flat = len(flat) - int(np.argmin(flat[::-1])) if not flat.all() else 0
            small_h, small_e = small_h[:first_flat], small_e[:first_flat]
    return large, slope(small_h, small_e)
