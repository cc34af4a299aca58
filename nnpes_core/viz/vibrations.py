"""Figures of lesson 11 (vibrational spectra): harmonic stick spectra of isotopologues, the energy a mode
holds quantum-mechanically and classically, and vibrational densities of states from molecular dynamics
beside the harmonic lines. Plain arrays in, styled plotly figures out; wavenumbers in cm⁻¹, energies in
eV, temperatures in K.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

WAVENUMBER_TITLE = axis_title("Wavenumber", "cm⁻¹")


def _figure(x_title: str, y_title: str, title: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title)
    return style_figure(fig)


def stick_spectrum_figure(rows: Mapping[str, Sequence[float]], reference_rows: Mapping[str, Sequence[float]] | None = None,
                          title: str = "Harmonic wavenumbers of the isotopologues") -> go.Figure:
    """One row per molecule (name -> wavenumbers, cm⁻¹) with a tick at each harmonic wavenumber; with
    ``reference_rows`` a second, black tick set (e.g. B3LYP beside a model) in each row."""
    fig = _figure(WAVENUMBER_TITLE, axis_title("Isotopologue", "dimensionless"), title)
    names = list(rows)
    sets = [("model" if reference_rows else "harmonic", rows, COLORS["model"], "line-ns-open", 0.12)]
    if reference_rows:
        sets.insert(0, ("reference", reference_rows, COLORS["reference"], "line-ns-open", -0.12))
    for label, data, color, symbol, offset in sets:
        x, y, text = [], [], []
        for row, name in enumerate(names):
            values = np.asarray(data.get(name, []), dtype=float)
            x += list(values)
            y += [row + offset] * len(values)
            text += [name] * len(values)
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=label, text=text,
                                 marker=dict(symbol=symbol, size=26, color=color, line=dict(width=3, color=color)),
                                 hovertemplate="%{text}: %{x:.1f} cm⁻¹<extra>" + label + "</extra>"))
    fig.update_yaxes(tickvals=list(range(len(names))), ticktext=names, range=[-0.6, len(names) - 0.4],
                     autorange="reversed")
    fig.update_layout(legend=dict(orientation="h", x=0.0, xanchor="left", y=1.02, yanchor="bottom"),
                      margin=dict(t=90))
    return fig


def mode_energy_figure(temperatures: np.ndarray, quantum: Mapping[str, np.ndarray], classical: np.ndarray,
                       marker_temperature: float | None = None) -> go.Figure:
    """Mean energy of each mode against temperature: quantum harmonic oscillators (one curve per mode,
    name -> eV) against the classical k_B T that every mode holds (black, dashed)."""
    fig = _figure(axis_title("Temperature", "K"), axis_title("Mean energy of the mode", "eV"),
                  "Energy in one vibration: quantum oscillator against classical equipartition")
    for (name, energies), color in zip(quantum.items(), PALETTE):
        fig.add_trace(go.Scatter(x=temperatures, y=energies, mode="lines", name=name, line=dict(color=color),
                                 hovertemplate="T = %{x:.0f} K: %{y:.3f} eV<extra>" + name + "</extra>"))
    fig.add_trace(go.Scatter(x=temperatures, y=classical, mode="lines", name="classical: k_B T",
                             line=dict(color=COLORS["reference"], dash="dash"),
                             hovertemplate="T = %{x:.0f} K: %{y:.3f} eV<extra>k_B T</extra>"))
    if marker_temperature is not None:
        fig.add_vline(x=marker_temperature, line=dict(color=COLORS["highlight"], width=1.5, dash="dot"))
    fig.update_layout(legend=dict(orientation="h", x=0.0, xanchor="left", y=-0.18, yanchor="top"))
    return fig


def vdos_figure(spectra: Mapping[str, tuple[np.ndarray, np.ndarray]], harmonic: Sequence[float] = (),
                harmonic_label: str = "harmonic (Hessian)", x_max: float | None = None,
                stacked: bool = True) -> go.Figure:
    """Vibrational densities of states (label -> (wavenumbers cm⁻¹, intensity)), each scaled to a peak of
    1, stacked upwards (or overlaid), with the harmonic wavenumbers as dotted vertical lines."""
    fig = _figure(WAVENUMBER_TITLE, axis_title("VDOS, each scaled to its tallest peak", "arbitrary units"),
                  "Vibrational density of states from the velocity autocorrelation")
    for index, ((label, (wavenumbers, intensity)), color) in enumerate(zip(spectra.items(), PALETTE)):
        intensity = np.asarray(intensity, dtype=float)
        scaled = intensity / intensity.max() if intensity.max() > 0 else intensity
        fig.add_trace(go.Scatter(x=wavenumbers, y=scaled + (1.1 * index if stacked else 0.0), mode="lines",
                                 name=label, line=dict(color=color, width=2),
                                 hovertemplate="%{x:.0f} cm⁻¹<extra>" + label + "</extra>"))
    for value in harmonic:
        fig.add_vline(x=float(value), line=dict(color=COLORS["reference"], width=1, dash="dot"))
    if len(harmonic):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=harmonic_label,
                                 line=dict(color=COLORS["reference"], width=1, dash="dot")))
    if x_max is not None:
        fig.update_xaxes(range=[0, x_max])
    fig.update_layout(legend=dict(orientation="h", x=0.0, xanchor="left", y=-0.18, yanchor="top"))
    return fig
