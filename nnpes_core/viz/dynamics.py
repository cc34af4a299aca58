"""Figures of molecular dynamics: energies against time, the energy error against the time step,
temperature, speeds against Maxwell-Boltzmann, the velocity autocorrelation and the vibrational
spectrum with harmonic frequencies marked, and a particle's path on a 2-D surface (animated).

Builders take plain arrays and return plotly figures in the course style; every axis has its unit.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

ENERGY_COLORS = {"total": COLORS["reference"], "potential": COLORS["model"], "kinetic": COLORS["counterexample"]}
_LEGEND_BELOW = dict(orientation="h", x=0.0, y=-0.2, yanchor="top")


def energy_figure(time_fs: np.ndarray, potential: np.ndarray, kinetic: np.ndarray, *,
                  title: str | None = None, energy_unit: str = "eV", time_unit: str = "fs",
                  zoom: float = 1e3, zoom_unit: str = "meV") -> go.Figure:
    """E_kin, E_pot and E_tot against time, all relative to E_tot(0) (``energy_unit``), and below them
    E_tot − E_tot(0) times ``zoom`` (in ``zoom_unit``) on its own scale: a flat line for a conservative
    force field and a small time step."""
    time_fs, potential, kinetic = (np.asarray(a, float) for a in (time_fs, potential, kinetic))
    total = potential + kinetic
    origin = total[0]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.06)
    for name, values in (("kinetic E_kin", kinetic), ("potential E_pot − E_tot(0)", potential - origin),
                         ("total E_tot − E_tot(0)", total - origin)):
        color = ENERGY_COLORS[name.split()[0]]
        fig.add_trace(go.Scatter(x=time_fs, y=values, mode="lines", name=name, line=dict(color=color, width=1.6)),
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=time_fs, y=zoom * (total - origin), mode="lines", name="E_tot − E_tot(0), zoomed",
                             line=dict(color=ENERGY_COLORS["total"], width=1.6), showlegend=False), row=2, col=1)
    fig.update_yaxes(title_text=axis_title("Energy", energy_unit), row=1, col=1)
    fig.update_yaxes(title_text=axis_title("ΔE_tot", zoom_unit), row=2, col=1)
    fig.update_xaxes(title_text=axis_title("Time", time_unit))
    fig.update_layout(title=title, legend=_LEGEND_BELOW)
    return style_figure(fig)


@dataclass
class TotalEnergyTrace:
    """E_tot(t) − E_tot(0) of one run, for comparing runs."""

    name: str
    time_fs: np.ndarray
    change_ev: np.ndarray
    color: str


def total_energy_figure(traces: Sequence[TotalEnergyTrace], *, title: str | None = None) -> go.Figure:
    """E_tot(t) − E_tot(0) in meV against time for several runs (conservative vs direct-force model)."""
    fig = go.Figure()
    for trace in traces:
        fig.add_trace(go.Scatter(x=trace.time_fs, y=1e3 * np.asarray(trace.change_ev, float), mode="lines",
                                 name=trace.name, line=dict(color=trace.color, width=2)))
    fig.add_hline(y=0.0, line=dict(color=COLORS["reference"], width=1, dash="dot"))
    fig.update_layout(title=title, xaxis_title=axis_title("Time", "fs"),
                      yaxis_title=axis_title("E_tot(t) − E_tot(0)", "meV"), legend=_LEGEND_BELOW)
    return style_figure(fig)


def timestep_figure(timesteps_fs: np.ndarray, errors_ev: np.ndarray, slope: float, *,
                    failed: Sequence[float] = (), title: str | None = None) -> go.Figure:
    """Energy error against time step on log-log axes, the fitted line with its slope, a slope-2 guide
    through the smallest step, and the steps that blew up marked at the top."""
    dt, errors = np.asarray(timesteps_fs, float), 1e3 * np.asarray(errors_ev, float)  # meV
    good = np.isfinite(errors) & (errors > 0)
    fig = go.Figure(go.Scatter(x=dt[good], y=errors[good], mode="markers", name="measured (std of E_tot)",
                               marker=dict(color=COLORS["model"], size=10)))
    if good.sum() >= 2 and np.isfinite(slope):
        line_dt = np.geomspace(dt[good].min(), dt[good].max(), 50)
        intercept = np.mean(np.log(errors[good]) - slope * np.log(dt[good]))
        fig.add_trace(go.Scatter(x=line_dt, y=np.exp(intercept) * line_dt**slope, mode="lines",
                                 name=f"fit: slope {slope:.2f}", line=dict(color=COLORS["model"], width=2)))
        anchor = np.argmin(dt[good])
        fig.add_trace(go.Scatter(x=line_dt, y=errors[good][anchor] * (line_dt / dt[good][anchor]) ** 2,
                                 mode="lines", name="∝ Δt² (Verlet)", line=dict(color=COLORS["reference"],
                                                                               dash="dot", width=1.5)))
    if len(failed):
        top = float(errors[good].max() * 10) if good.any() else 1.0
        fig.add_trace(go.Scatter(x=list(failed), y=[top] * len(failed), mode="markers+text", name="blew up",
                                 text=["blew up"] * len(failed), textposition="bottom center",
                                 marker=dict(symbol="x", size=14, color=COLORS["counterexample"])))
    fig.update_layout(title=title, xaxis_title=axis_title("Time step Δt", "fs"),
                      yaxis_title=axis_title("Energy error", "meV"),
                      xaxis=dict(type="log"), yaxis=dict(type="log", exponentformat="power"), legend=_LEGEND_BELOW)
    return style_figure(fig)


def temperature_figure(time_fs: np.ndarray, temperature: np.ndarray, target: float | None = None, *,
                       window_fs: float = 100.0, title: str | None = None) -> go.Figure:
    """Instantaneous temperature against time, its running mean over ``window_fs``, and the bath."""
    time_fs, temperature = np.asarray(time_fs, float), np.asarray(temperature, float)
    fig = go.Figure(go.Scatter(x=time_fs, y=temperature, mode="lines", name="instantaneous 2E_kin/(n_dof k_B)",
                               line=dict(color=PALETTE[5], width=1)))
    if len(time_fs) > 2:
        width = max(1, int(round(window_fs / max(time_fs[1] - time_fs[0], 1e-12))))
        if width < len(temperature):
            running = np.convolve(temperature, np.ones(width) / width, mode="valid")
            fig.add_trace(go.Scatter(x=time_fs[width - 1:], y=running, mode="lines",
                                     name=f"running mean over {window_fs:g} fs",
                                     line=dict(color=COLORS["model"], width=2.5)))
    if target is not None:
        fig.add_hline(y=target, line=dict(color=COLORS["reference"], dash="dash", width=1.5),
                      annotation_text=f"bath {target:g} K", annotation_position="top left")
    fig.update_layout(title=title, xaxis_title=axis_title("Time", "fs"), yaxis_title=axis_title("Temperature", "K"),
                      legend=_LEGEND_BELOW)
    return style_figure(fig)


def speed_histogram_figure(speeds: Mapping[str, np.ndarray], curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                           *, title: str | None = None, bins: int = 40) -> go.Figure:
    """Normalised histograms of atomic speeds (Å/fs), one per element, with the Maxwell-Boltzmann
    density (x, f(x)) of each drawn over it."""
    fig = go.Figure()
    for index, (name, values) in enumerate(speeds.items()):
        color = PALETTE[index % len(PALETTE)]
        fig.add_trace(go.Histogram(x=np.asarray(values, float), histnorm="probability density", nbinsx=bins,
                                   name=f"{name}: MD", marker=dict(color=color), opacity=0.45))
        if name in curves:
            x, density = curves[name]
            fig.add_trace(go.Scatter(x=x, y=density, mode="lines", name=f"{name}: Maxwell-Boltzmann",
                                     line=dict(color=color, width=2.5)))
    fig.update_layout(title=title, barmode="overlay", xaxis_title=axis_title("Speed |v|", "Å/fs"),
                      yaxis_title=axis_title("Probability density", "fs/Å"), legend=_LEGEND_BELOW)
    return style_figure(fig)


def autocorrelation_figure(lag_fs: np.ndarray, correlation: np.ndarray, window: np.ndarray | None = None, *,
                           title: str | None = None) -> go.Figure:
    """C(τ)/C(0) against the lag, with the window that tapers it before the Fourier transform."""
    fig = go.Figure(go.Scatter(x=lag_fs, y=correlation, mode="lines", name="C(τ)/C(0)",
                               line=dict(color=COLORS["model"], width=1.5)))
    if window is not None:
        fig.add_trace(go.Scatter(x=lag_fs, y=window, mode="lines", name="window w(τ)",
                                 line=dict(color=COLORS["reference"], dash="dash", width=1.5)))
    fig.update_layout(title=title, xaxis_title=axis_title("Lag τ", "fs"),
                      yaxis_title=axis_title("Velocity autocorrelation", "normalised to 1"), legend=_LEGEND_BELOW)
    return style_figure(fig)


@dataclass
class SpectrumTrace:
    name: str
    wavenumbers: np.ndarray  # cm^-1
    intensity: np.ndarray  # normalised
    color: str


@dataclass
class FrequencyMarks:
    """Vertical lines at harmonic wavenumbers (cm^-1) of one source."""

    name: str
    wavenumbers: Sequence[float]
    color: str
    dash: str = "dash"


def spectrum_figure(spectra: Sequence[SpectrumTrace], marks: Sequence[FrequencyMarks] = (), *,
                    x_max: float = 4500.0, nyquist_cm: float | None = None, title: str | None = None) -> go.Figure:
    """VDOS curves against wavenumber with harmonic frequencies as vertical lines (one legend entry per
    source); the Nyquist limit is shaded when it falls inside the window."""
    fig = go.Figure()
    for spectrum in spectra:
        keep = np.asarray(spectrum.wavenumbers) <= x_max
        fig.add_trace(go.Scatter(x=np.asarray(spectrum.wavenumbers)[keep], y=np.asarray(spectrum.intensity)[keep],
                                 mode="lines", name=spectrum.name, line=dict(color=spectrum.color, width=2)))
    for mark in marks:
        xs, ys = [], []
        for wavenumber in mark.wavenumbers:
            xs += [float(wavenumber), float(wavenumber), None]
            ys += [0.0, 1.05, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=mark.name,
                                 line=dict(color=mark.color, dash=mark.dash, width=1.8)))
    if nyquist_cm is not None and nyquist_cm < x_max:
        fig.add_vrect(x0=nyquist_cm, x1=x_max, fillcolor=COLORS["grid"], opacity=0.6, line_width=0,
                      annotation_text="above Nyquist", annotation_position="top left")
    fig.update_layout(title=title, xaxis_title=axis_title("Wavenumber", "cm⁻¹"),
                      yaxis_title=axis_title("VDOS", "normalised to 1"), xaxis=dict(range=[0, x_max]),
                      yaxis=dict(range=[0, 1.1]), legend=_LEGEND_BELOW)
    return style_figure(fig)


def deviation_figure(time_fs: np.ndarray, position_deviation: np.ndarray, energy_difference_mev: np.ndarray, *,
                     title: str | None = None) -> go.Figure:
    """Learned against reference trajectory from the same start: largest atomic displacement between
    them (Å) and the difference of their potential energies (meV), against time."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_trace(go.Scatter(x=time_fs, y=position_deviation, mode="lines", name="max |R_model − R_ref|",
                             line=dict(color=COLORS["model"], width=2)), row=1, col=1)
    fig.add_trace(go.Scatter(x=time_fs, y=energy_difference_mev, mode="lines", name="E_pot,model − E_pot,ref",
                             line=dict(color=COLORS["counterexample"], width=2)), row=2, col=1)
    fig.update_yaxes(title_text=axis_title("Deviation", "Å"), type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(title_text=axis_title("ΔE_pot", "meV"), row=2, col=1)
    fig.update_xaxes(title_text=axis_title("Time", "fs"))
    fig.update_layout(title=title, legend=_LEGEND_BELOW)
    return style_figure(fig)


def add_path(fig: go.Figure, xy: np.ndarray, *, name: str = "trajectory", color: str = COLORS["highlight"],
             animate: bool = True, frame_duration_ms: int = 40) -> go.Figure:
    """Draw a particle's path xy [n_frames, 2] on a contour map (``viz.surfaces.contour_figure``) and,
    with ``animate``, a marker that moves along it (plotly's play/pause buttons and a frame slider)."""
    xy = np.asarray(xy, float)
    fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", name=name, line=dict(color=color, width=2)))
    fig.add_trace(go.Scatter(x=xy[:1, 0], y=xy[:1, 1], mode="markers", name="particle",
                             marker=dict(color="white", size=14, line=dict(color="black", width=2))))
    if not animate or len(xy) < 2:
        return fig
    marker_index = len(fig.data) - 1
    fig.frames = [go.Frame(data=[go.Scatter(x=[x], y=[y])], traces=[marker_index], name=str(k))
                  for k, (x, y) in enumerate(xy)]
    play = dict(frame=dict(duration=frame_duration_ms, redraw=False), fromcurrent=True, transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=1.12, xanchor="left", yanchor="bottom",
                          buttons=[dict(label="▶ play", method="animate", args=[None, play]),
                                   dict(label="⏸ pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=0, x=0.0, y=-0.02, len=1.0, pad=dict(t=40), currentvalue=dict(prefix="frame "),
                      steps=[dict(method="animate", label=str(k),
                                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False))])
                             for k in range(len(xy))])],
    )
    return fig
