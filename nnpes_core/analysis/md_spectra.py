"""Vibrational spectra of one molecule from NVE molecular dynamics on a model surface, at several temperatures.

Recipe (lesson 11):

1. start each trajectory from a thermal state at T: positions from classical normal-mode (harmonic
   Boltzmann) sampling around the model's minimum, Maxwell-Boltzmann velocities without net translation
   or rotation, so every vibration holds about k_B T;
2. run all trajectories of all temperatures as ONE batch of NVE velocity-Verlet dynamics
   (``nnpes_core.dynamics.run_ensemble``), saving velocities every time step;
3. per temperature, the vibrational density of states (VDOS) averaged over the trajectories
   (``nnpes_core.analysis.spectra``), from the first ``length_fs`` of the run with velocities taken every
   ``stride_fs``: so the effect of trajectory length (resolution ~ 1 / (c T)) and saving stride (Nyquist
   limit 1 / (2 c dt), aliasing above it) is seen on the same trajectories, without new dynamics.

Lines, band by band. The total VDOS of water merges its two O-H stretches once they broaden, so each band
(a normal mode, or a degenerate set of them) gets its own spectrum from the mass-weighted velocities
projected on its normal modes e_k at the minimum,

    qdot_k(t) = sum_i sqrt(m_i) e_k,i . v_i(t),

(the molecule starts without angular momentum and keeps none, so it barely turns). The peak of that
spectrum and its full width at half maximum (``spectral_lines``) are compared with the harmonic wavenumber
and with where velocity Verlet puts a harmonic line, (2 / dt) arcsin(omega dt / 2) (``verlet_wavenumber``):
the anharmonic shift is peak minus the Verlet line.

Aliasing: velocities saved every dt_save sample frequencies up to the Nyquist limit nu_N = 1 / (2 c dt_save);
a line at nu appears at |nu - k 2 nu_N|, k the integer nearest to nu / (2 nu_N) (``alias_wavenumber``).

Units: K, fs, Å/fs, amu, cm^-1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from torch import nn

from nnpes_core.analysis.frequency_comparison import ModelMinimum
from nnpes_core.analysis.mode_names import degenerate_groups, mode_name
from nnpes_core.analysis.spectra import WAVENUMBER_PER_INVERSE_FS, VibrationalSpectrum, averaged_spectrum
from nnpes_core.analysis.spectral_lines import spectral_lines, verlet_wavenumber
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.data.samplers import NormalModes, normal_mode_sampling
from nnpes_core.dynamics import run_ensemble

LINE_SEARCH_CM = 300.0  # a band's peak is looked for this far (cm^-1) from its Verlet line


@dataclass
class TemperatureSeries:
    """Velocities of ``n_trajectories`` NVE runs at each temperature, saved every time step."""

    temperatures: np.ndarray  # [n_temperatures] K
    velocities: list[list[np.ndarray]]  # [n_temperatures][kept trajectories] each [n_frames, n_atoms, 3] Å/fs
    masses: np.ndarray  # [n_atoms] amu
    timestep_fs: float
    steps_done: int
    n_trajectories: int  # started per temperature
    failed: list[int]  # [n_temperatures] trajectories that blew up (left out)
    seconds: float  # wall time of the dynamics
    max_drift_ev_per_ps: float  # largest |total-energy drift| of the kept trajectories

    @property
    def length_fs(self) -> float:
        return self.steps_done * self.timestep_fs


@dataclass
class Band:
    """One vibrational band: a normal mode or a degenerate set of them."""

    name: str  # "bend", "symmetric stretch", ... with "(×n)" for an n-fold degenerate set
    modes: list[int]  # indices into the harmonic analysis (ascending wavenumber)
    harmonic_cm: float  # harmonic wavenumber (mean over the set), cm^-1


@dataclass
class BandLine:
    """Where a band's line is at one temperature, and how wide."""

    temperature_K: float
    band: str
    harmonic_cm: float
    verlet_cm: float  # where velocity Verlet puts the harmonic line, cm^-1
    expected_cm: float  # where that line appears at the saving stride (folded above the Nyquist limit), cm^-1
    peak_cm: float
    fwhm_cm: float
    resolution_cm: float  # 1 / (c T) of the window used

    fold_sign: float = 1.0  # -1 where folding mirrors the line: a shift down then shows as a shift up

    @property
    def aliased(self) -> bool:
        return abs(self.expected_cm - self.verlet_cm) > 1e-6

    @property
    def anharmonic_shift_cm(self) -> float:
        """peak - Verlet line (unfolded): what the surface's anharmonicity does (negative: the bond softens)."""
        return self.fold_sign * (self.peak_cm - self.expected_cm)

    @property
    def shift_from_harmonic_cm(self) -> float:
        return self.peak_cm - self.harmonic_cm


def thermal_modes(minimum: ModelMinimum) -> NormalModes:
    """The model's harmonic analysis at its minimum in the form the normal-mode sampler takes."""
    analysis = minimum.analysis
    return NormalModes(analysis.omega_squared, analysis.mass_weighted_modes, minimum.hessian,
                       minimum.atoms.get_masses())


def bands(minimum: ModelMinimum) -> list[Band]:
    """The molecule's bands, ascending: degenerate modes (within 2 cm^-1) form one band."""
    analysis = minimum.analysis
    result = []
    for group in degenerate_groups(analysis.wavenumbers):
        name = mode_name(minimum.atoms, analysis.displacements[group[0]])
        result.append(Band(name + (f" (×{len(group)})" if len(group) > 1 else ""), list(group),
                           float(np.mean(analysis.wavenumbers[group]))))
    return result


def run_temperature_series(model: nn.Module, minimum: ModelMinimum, temperatures: Sequence[float],
                           n_trajectories: int, length_fs: float, timestep_fs: float = 0.5, seed: int = 0,
                           progress: Callable[[int, int], None] | None = None,
                           should_stop: Callable[[], bool] | None = None) -> TemperatureSeries:
    """NVE trajectories (``n_trajectories`` per temperature, each ``length_fs`` long) from thermal starts,
    all temperatures in one batch."""
    if len(temperatures) == 0 or min(temperatures) <= 0 or n_trajectories < 1 or length_fs < 10 * timestep_fs:
        raise ValueError("need positive temperatures, at least one trajectory and a run of at least 10 steps")
    modes, calculator = thermal_modes(minimum), NNPESCalculator(model)
    starts, per_trajectory_temperature = [], []
    for index, temperature in enumerate(temperatures):
        starts += normal_mode_sampling(minimum.atoms, calculator, n_trajectories, float(temperature),
                                       seed=seed + 1000 * index, modes=modes)
        per_trajectory_temperature += [float(temperature)] * n_trajectories
    run = run_ensemble(model, starts, int(round(length_fs / timestep_fs)), timestep_fs, thermostat="nve",
                       temperature=per_trajectory_temperature, seed=seed, progress=progress, should_stop=should_stop)
    velocities: list[list[np.ndarray]] = [[] for _ in temperatures]
    failed = [0] * len(temperatures)
    drifts = []
    for trajectory in range(run.n_trajectories):
        if run.failure[trajectory] is None:
            velocities[trajectory // n_trajectories].append(run.trajectory(trajectory).velocities)
            drifts.append(abs(run.drift_ev_per_ps[trajectory]))
        else:
            failed[trajectory // n_trajectories] += 1
    return TemperatureSeries(np.asarray(temperatures, dtype=float), velocities, minimum.atoms.get_masses(),
                             float(timestep_fs), run.steps_done, int(n_trajectories), failed, run.seconds,
                             float(np.nanmax(drifts)) if drifts else float("nan"))


def _frames(series: TemperatureSeries, temperature_index: int, length_fs: float | None,
            stride_fs: float | None) -> tuple[list[np.ndarray], float]:
    """The kept trajectories' velocities cut to ``length_fs`` and thinned to ``stride_fs``; the stride (fs)."""
    runs = series.velocities[temperature_index]
    if not runs:
        raise ValueError(f"no trajectory at {series.temperatures[temperature_index]:.0f} K finished without "
                         "blowing up: lower the temperature")
    every = int(round(saved_stride(series, stride_fs) / series.timestep_fs))
    frames = len(runs[0]) if length_fs is None else int(round(length_fs / series.timestep_fs)) + 1
    chosen = [velocities[:frames:every] for velocities in runs]
    if len(chosen[0]) < 8:
        raise ValueError(f"{len(chosen[0])} saved frames are too few for a spectrum: a longer window or a "
                         "shorter stride")
    return chosen, every * series.timestep_fs


def saved_stride(series: TemperatureSeries, stride_fs: float | None) -> float:
    """``stride_fs`` rounded to a whole number of time steps (at least one), fs."""
    return max(1, int(round((stride_fs or series.timestep_fs) / series.timestep_fs))) * series.timestep_fs


def series_spectrum(series: TemperatureSeries, temperature_index: int, length_fs: float | None = None,
                    stride_fs: float | None = None, window: str = "hann") -> VibrationalSpectrum:
    """The VDOS at one temperature, averaged over its trajectories, from the first ``length_fs`` (all by
    default) with velocities every ``stride_fs`` (a multiple of the time step; every step by default)."""
    chosen, stride = _frames(series, temperature_index, length_fs, stride_fs)
    return averaged_spectrum(chosen, stride, series.masses, window=window)


def mode_velocities(velocities: np.ndarray, masses: np.ndarray, modes: np.ndarray) -> np.ndarray:
    """qdot_k(t) = sum_i sqrt(m_i) e_k,i . v_i(t): velocities [n_frames, n_atoms, 3] Å/fs on the
    mass-weighted normal modes [n_modes, n_atoms, 3]; returns [n_frames, n_modes] amu^1/2 Å/fs."""
    weighted = np.asarray(velocities, float) * np.sqrt(np.asarray(masses, float))[None, :, None]
    return np.einsum("fax,kax->fk", weighted, np.asarray(modes, float))


def band_spectrum(series: TemperatureSeries, temperature_index: int, minimum: ModelMinimum, band: Band,
                  length_fs: float | None = None, stride_fs: float | None = None,
                  window: str = "hann") -> VibrationalSpectrum:
    """The spectrum of one band: the VDOS of the velocities projected on its normal mode(s)."""
    chosen, stride = _frames(series, temperature_index, length_fs, stride_fs)
    modes = minimum.analysis.mass_weighted_modes[band.modes]  # [n_in_band, n_atoms, 3]
    projected = []
    for velocities in chosen:
        q_dot = mode_velocities(velocities, series.masses, modes)  # [n_frames, n_in_band]
        series_3d = np.zeros((len(q_dot), q_dot.shape[1], 3))
        series_3d[:, :, 0] = q_dot  # one scalar series per mode, in the shape the VACF code takes
        projected.append(series_3d)
    return averaged_spectrum(projected, stride, None, window=window, remove_momentum=False)


def band_lines(series: TemperatureSeries, minimum: ModelMinimum, length_fs: float | None = None,
               stride_fs: float | None = None, window: str = "hann") -> list[BandLine]:
    """Peak and FWHM of every band at every temperature that kept a trajectory (rows by temperature, then
    band), each looked for around where its Verlet line appears at this stride."""
    stride = saved_stride(series, stride_fs)
    lines = []
    for index, temperature in enumerate(series.temperatures):
        if not series.velocities[index]:
            continue
        for band in bands(minimum):
            verlet = float(verlet_wavenumber(band.harmonic_cm, series.timestep_fs))
            expected = float(alias_wavenumber(verlet, stride))
            sampling = 2.0 * nyquist_wavenumber(stride)
            sign = 1.0 if verlet - np.round(verlet / sampling) * sampling >= 0 else -1.0
            spectrum = band_spectrum(series, index, minimum, band, length_fs, stride_fs, window)
            (line,) = spectral_lines(spectrum.wavenumbers, spectrum.intensity, [expected], search_cm=LINE_SEARCH_CM)
            lines.append(BandLine(float(temperature), band.name, band.harmonic_cm, verlet, expected, line.peak_cm,
                                  line.fwhm_cm, spectrum.resolution_cm, sign))
    return lines


def line_table(lines: Sequence[BandLine]) -> list[dict]:
    """Rows for a table: temperature, band, harmonic, Verlet line, peak, shifts and FWHM (cm^-1)."""
    rows = []
    for line in lines:
        row = {"T (K)": line.temperature_K, "band": line.band, "harmonic (cm⁻¹)": line.harmonic_cm,
               "Verlet line (cm⁻¹)": line.verlet_cm}
        if any(other.aliased for other in lines):
            row["appears at (cm⁻¹)"] = line.expected_cm  # the Verlet line folded below the Nyquist limit
        row.update({"MD peak (cm⁻¹)": line.peak_cm, "anharmonic shift (cm⁻¹)": line.anharmonic_shift_cm,
                    "FWHM (cm⁻¹)": line.fwhm_cm, "resolution 1/(cT) (cm⁻¹)": line.resolution_cm})
        rows.append(row)
    return rows


def nyquist_wavenumber(stride_fs: float) -> float:
    """The highest wavenumber (cm^-1) velocities saved every ``stride_fs`` can represent: 1 / (2 c dt)."""
    return WAVENUMBER_PER_INVERSE_FS / (2.0 * stride_fs)


def alias_wavenumber(wavenumber_cm: float | np.ndarray, stride_fs: float) -> np.ndarray:
    """Where a line at ``wavenumber_cm`` appears when velocities are saved every ``stride_fs``: folded into
    [0, nyquist] as |nu - k 2 nu_N| (the line itself when it lies below the Nyquist limit)."""
    sampling = 2.0 * nyquist_wavenumber(stride_fs)  # 1 / (c dt), cm^-1
    wavenumber = np.asarray(wavenumber_cm, dtype=float)
    return np.abs(wavenumber - np.round(wavenumber / sampling) * sampling)
