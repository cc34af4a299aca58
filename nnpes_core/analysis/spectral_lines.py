"""Lines of a computed spectrum next to the harmonic frequencies: where each peak is and how wide.

For each harmonic wavenumber nu~_k (cm^-1) the line is the tallest point of the spectrum within
``search_cm`` of it and closer to it than to any other harmonic wavenumber; its width is the full width at half maximum (FWHM), with the two half-maximum
crossings found by linear interpolation between grid points. Comparing the peak with nu~_k gives the
anharmonic shift at the temperature of the run; the FWHM can never be smaller than the resolution of the
trajectory, about 1 / (c T).

The integrator shifts lines too. Velocity Verlet with time step dt moves a harmonic oscillator of angular
frequency omega exactly, but at the numerical frequency

    omega_dt = (2 / dt) arcsin(omega dt / 2)  >  omega      (unstable for omega dt > 2),

about (omega dt)^2 / 24 too high: +20 cm^-1 for an O-H stretch at dt = 0.5 fs (``verlet_wavenumber``).
The anharmonic shift of a trajectory is measured from that line, not from the Hessian's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnpes_core.units import SPEED_OF_LIGHT_CM_S


@dataclass
class SpectralLine:
    harmonic_cm: float  # the harmonic wavenumber the line belongs to, cm^-1
    peak_cm: float  # where the spectrum is highest near it, cm^-1
    fwhm_cm: float  # full width at half maximum, cm^-1 (NaN if the line runs off the grid)
    height: float  # intensity at the peak (units of the spectrum)

    @property
    def shift_cm(self) -> float:
        """peak - harmonic: negative for a bond that softens as it stretches."""
        return self.peak_cm - self.harmonic_cm


def verlet_wavenumber(wavenumber_cm: np.ndarray | float, timestep_fs: float) -> np.ndarray:
    """Where velocity Verlet with ``timestep_fs`` puts a harmonic line of ``wavenumber_cm`` (cm^-1); NaN
    where the step is too long for the oscillator to be integrated stably."""
    omega_dt_half = np.pi * SPEED_OF_LIGHT_CM_S * np.asarray(wavenumber_cm, dtype=float) * timestep_fs * 1e-15
    with np.errstate(invalid="ignore"):
        return np.where(omega_dt_half <= 1.0, np.arcsin(np.minimum(omega_dt_half, 1.0)) / omega_dt_half, np.nan) \
            * np.asarray(wavenumber_cm, dtype=float)


def _crossing(x: np.ndarray, y: np.ndarray, start: int, step: int, level: float) -> float:
    """Where y falls below ``level`` walking from ``start`` in direction ``step`` (linear interpolation)."""
    index = start
    while 0 <= index + step < len(y) and y[index + step] >= level:
        index += step
    if not 0 <= index + step < len(y):
        return np.nan
    inner, outer = index, index + step
    fraction = (y[inner] - level) / (y[inner] - y[outer])
    return float(x[inner] + fraction * (x[outer] - x[inner]))


def spectral_lines(wavenumbers: np.ndarray, intensity: np.ndarray, harmonic: Sequence[float],
                   search_cm: float = 150.0) -> list[SpectralLine]:
    """One line per harmonic wavenumber (degenerate ones give the same line), on a spectrum sampled at
    ``wavenumbers`` [n] cm^-1 (ascending) with ``intensity`` [n]."""
    wavenumbers, intensity = np.asarray(wavenumbers, dtype=float), np.asarray(intensity, dtype=float)
    if wavenumbers.shape != intensity.shape or wavenumbers.ndim != 1 or len(wavenumbers) < 3:
        raise ValueError("wavenumbers and intensity must be 1-D arrays of the same length (at least 3)")
    lines = []
    others = np.asarray(harmonic, dtype=float)
    for value in harmonic:
        neighbours = np.abs(others - value)
        neighbours = neighbours[neighbours > 1e-9]
        reach = min(search_cm, 0.5 * neighbours.min()) if len(neighbours) else search_cm
        near = np.flatnonzero(np.abs(wavenumbers - value) <= reach)
        if len(near) == 0:
            lines.append(SpectralLine(float(value), np.nan, np.nan, np.nan))
            continue
        top = int(near[np.argmax(intensity[near])])
        half = 0.5 * intensity[top]
        width = _crossing(wavenumbers, intensity, top, +1, half) - _crossing(wavenumbers, intensity, top, -1, half)
        lines.append(SpectralLine(float(value), float(wavenumbers[top]), float(width), float(intensity[top])))
    return lines
