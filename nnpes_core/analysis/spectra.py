"""Vibrational spectra from dynamics: the velocity autocorrelation function and its Fourier transform,
the vibrational density of states (VDOS).

A molecule vibrating in normal modes k has velocities that are sums of cosines at the frequencies
omega_k, so the mass-weighted velocity autocorrelation

    C(tau) = sum_I m_I < v_I(t) . v_I(t + tau) >_t  /  sum_I m_I < v_I(t) . v_I(t) >_t

oscillates at those frequencies, and its Fourier transform (Wiener-Khinchin: the power spectrum of the
velocities) has a peak at each one — anharmonic frequencies, at the temperature of the run, unlike
the harmonic ones of the Hessian. Practicalities, each a line below:

- the total momentum is removed first (a drifting molecule puts a peak at 0 cm^-1);
- <...>_t averages over every time origin, computed with an FFT (zero-padded: no wrap-around);
- a window w(tau) tapering C to zero at the longest lag trades a little resolution for no ringing;
- resolution: two peaks closer than 1 / (c T) cannot be told apart, T the length of the trajectory;
- frames saved every dt_frame can only show frequencies up to the Nyquist limit 1 / (2 c dt_frame);
  faster motions fold back (alias) below it.

Units: time fs, wavenumbers cm^-1 (1 fs^-1 = 33356.41 cm^-1), velocities any (the VDOS is normalised).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnpes_core.units import SPEED_OF_LIGHT_CM_S

WAVENUMBER_PER_INVERSE_FS = 1e15 / SPEED_OF_LIGHT_CM_S  # cm^-1 per fs^-1: 33356.41
WINDOWS = ("hann", "none")


@dataclass
class VibrationalSpectrum:
    wavenumbers: np.ndarray  # [n_points] cm^-1, from 0 to the Nyquist limit
    intensity: np.ndarray  # [n_points] normalised to a maximum of 1 (dimensionless)
    lag_fs: np.ndarray  # [n_lags]
    autocorrelation: np.ndarray  # [n_lags] C(tau) / C(0), before the window
    window: np.ndarray  # [n_lags] the window applied to C(tau)
    resolution_cm: float  # 1 / (c T), T = the trajectory's length
    nyquist_cm: float  # 1 / (2 c dt_frame)

    def peaks(self, n: int = 3, minimum_separation_cm: float | None = None, above_cm: float = 0.0,
              below_cm: float = np.inf) -> np.ndarray:
        """Wavenumbers (cm^-1, ascending) of the ``n`` highest local maxima between ``above_cm`` and
        ``below_cm``, at least ``minimum_separation_cm`` apart (default: twice the resolution)."""
        separation = 2 * self.resolution_cm if minimum_separation_cm is None else minimum_separation_cm
        y = self.intensity
        local = np.flatnonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:])) + 1
        local = local[(self.wavenumbers[local] > above_cm) & (self.wavenumbers[local] < below_cm)]
        chosen: list[int] = []
        for index in local[np.argsort(y[local])[::-1]]:
            if all(abs(self.wavenumbers[index] - self.wavenumbers[j]) >= separation for j in chosen):
                chosen.append(index)
            if len(chosen) == n:
                break
        return np.sort(self.wavenumbers[chosen])


def remove_total_momentum(velocities: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Velocities [n_frames, n_atoms, 3] minus the centre-of-mass velocity of each frame."""
    masses = np.asarray(masses, float)
    centre = np.einsum("i,fid->fd", masses, velocities) / masses.sum()  # [n_frames, 3]
    return velocities - centre[:, None, :]


def velocity_autocorrelation(velocities: np.ndarray, masses: np.ndarray | None = None,
                             remove_momentum: bool = True) -> np.ndarray:
    """C(tau) / C(0) for lags 0 .. n_frames - 1 (in frames), mass-weighted, averaged over all time
    origins (the estimate at lag tau averages n_frames - tau products).

    ``velocities`` [n_frames, n_atoms, 3]; ``masses`` [n_atoms] amu (None: all equal)."""
    velocities = np.asarray(velocities, dtype=float)
    if velocities.ndim != 3 or velocities.shape[2] != 3 or len(velocities) < 4:
        raise ValueError("velocities must have shape [n_frames >= 4, n_atoms, 3]")
    if not np.all(np.isfinite(velocities)):
        raise ValueError("the velocities contain NaN or infinity (did the trajectory blow up?)")
    n_frames, n_atoms = velocities.shape[:2]
    masses = np.ones(n_atoms) if masses is None else np.asarray(masses, float)
    if remove_momentum:
        velocities = remove_total_momentum(velocities, masses)
    series = (velocities * np.sqrt(masses)[None, :, None]).reshape(n_frames, -1)  # [n_frames, 3N]
    size = 2 * n_frames  # zero padding: the FFT's circular correlation becomes a linear one
    transform = np.fft.rfft(series, n=size, axis=0)
    correlation = np.fft.irfft((transform * transform.conj()).real.sum(axis=1), n=size)[:n_frames]
    correlation /= n_frames - np.arange(n_frames)  # average over the available time origins
    if correlation[0] <= 0:
        raise ValueError("the atoms do not move: no spectrum")
    return correlation / correlation[0]


def lag_window(n_lags: int, window: str = "hann") -> np.ndarray:
    """w(tau) for tau = 0 .. n_lags - 1: 1 at tau = 0, falling to 0 at the last lag ("hann": cos^2)."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}: choose {' or '.join(WINDOWS)}")
    if window == "none":
        return np.ones(n_lags)
    return np.cos(0.5 * np.pi * np.arange(n_lags) / max(n_lags - 1, 1)) ** 2


def vibrational_spectrum(velocities: np.ndarray, frame_interval_fs: float, masses: np.ndarray | None = None,
                         window: str = "hann", max_lag_fs: float | None = None, padding: int = 4,
                         remove_momentum: bool = True) -> VibrationalSpectrum:
    """The VDOS of a trajectory: the Fourier cosine transform of the windowed C(tau).

    ``velocities`` [n_frames, n_atoms, 3] every ``frame_interval_fs`` fs; ``max_lag_fs`` shortens the
    correlation used (smoother, coarser); ``padding`` zero-pads the transform (a finer grid to draw,
    not a better resolution).
    """
    if not np.isfinite(frame_interval_fs) or frame_interval_fs <= 0:
        raise ValueError("the time between frames must be positive")
    correlation = velocity_autocorrelation(velocities, masses, remove_momentum)
    if max_lag_fs is not None:
        correlation = correlation[: max(4, int(max_lag_fs / frame_interval_fs) + 1)]
    n_lags = len(correlation)
    weights = lag_window(n_lags, window)
    tapered = correlation * weights
    size = max(2 * n_lags, int(padding) * 2 * n_lags)
    # C is even in tau: its transform is C(0) + 2 sum_{tau > 0} C(tau) cos(omega tau)
    spectrum = 2.0 * np.fft.rfft(tapered, n=size).real - tapered[0]
    frequencies = np.fft.rfftfreq(size, d=frame_interval_fs) * WAVENUMBER_PER_INVERSE_FS
    spectrum = np.clip(spectrum, 0.0, None)
    spectrum = spectrum / spectrum.max() if spectrum.max() > 0 else spectrum
    length_fs = (len(velocities) - 1) * frame_interval_fs
    return VibrationalSpectrum(
        wavenumbers=frequencies, intensity=spectrum, lag_fs=np.arange(n_lags) * frame_interval_fs,
        autocorrelation=correlation, window=weights,
        resolution_cm=WAVENUMBER_PER_INVERSE_FS / length_fs,
        nyquist_cm=WAVENUMBER_PER_INVERSE_FS / (2 * frame_interval_fs),
    )


def averaged_spectrum(trajectories_velocities: list[np.ndarray], frame_interval_fs: float,
                      masses: np.ndarray | None = None, **options) -> VibrationalSpectrum:
    """The VDOS averaged over several trajectories of the same molecule (their C(tau) averaged)."""
    if not trajectories_velocities:
        raise ValueError("no trajectories")
    spectra = [vibrational_spectrum(v, frame_interval_fs, masses, **options) for v in trajectories_velocities]
    first = spectra[0]
    intensity = np.mean([s.intensity for s in spectra], axis=0)
    return VibrationalSpectrum(first.wavenumbers, intensity / intensity.max(), first.lag_fs,
                               np.mean([s.autocorrelation for s in spectra], axis=0), first.window,
                               first.resolution_cm, first.nyquist_cm)


def spectrum_csv(spectrum: VibrationalSpectrum) -> str:
    """A header row, then wavenumber (cm^-1) and intensity, comma-separated."""
    rows = ["wavenumber_cm-1,intensity"]
    rows += [f"{w:.4f},{i:.6e}" for w, i in zip(spectrum.wavenumbers, spectrum.intensity)]
    return "\n".join(rows) + "\n"
