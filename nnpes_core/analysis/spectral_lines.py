"""Lines of a computed spectrum next to the harmonic frequencies: where each peak is and how wide.

For each harmonic wavenumber nu~_k (cm^-1) the line is the tallest point of the spectrum within
``search_cm`` of it; its width is the full width at half maximum (FWHM), with the two half-maximum
crossings found by linear interpolation between grid points. Comparing the peak with nu~_k gives the
anharmonic shift at the temperature of the run; the FWHM can never be smaller than the resolution of the
trajectory, about 1 / (c T).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


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
    for value in harmonic:
        near = np.flatnonzero(np.abs(wavenumbers - value) <= search_cm)
        if len(near) == 0:
            lines.append(SpectralLine(float(value), np.nan, np.nan, np.nan))
            continue
        top = int(near[np.argmax(intensity[near])])
        half = 0.5 * intensity[top]
        width = _crossing(wavenumbers, intensity, top, +1, half) - _crossing(wavenumbers, intensity, top, -1, half)
        lines.append(SpectralLine(float(value), float(wavenumbers[top]), float(width), float(intensity[top])))
    return lines
