"""Figures of lesson 7 (derivatives): finite-difference error against step size, timings against the
number of atoms, and harmonic wavenumbers of a model beside the reference. Plain arrays in, styled
plotly figures out; units on every axis (Å, eV/Å, s, cm⁻¹).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

DTYPE_COLORS = {"float64": COLORS["model"], "float32": COLORS["counterexample"]}
BOTTOM_LEGEND = dict(orientation="h", x=0.0, xanchor="left", y=-0.2, yanchor="top")  # the plot keeps its width


def _figure(x_title: str, y_title: str, title: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title)
    return style_figure(fig)


def _exponent(value: float) -> str:
    """1e-05 -> '1e-5': compact step sizes for labels."""
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


@dataclass(frozen=True)
class ErrorCurve:
    """One measured finite-difference error curve with its guide lines (all arrays over ``steps``)."""

    label: str  # e.g. "float64"
    steps: np.ndarray  # [k] Å
    errors: np.ndarray  # [k] eV/Å, max |F_FD - F_autograd|
    truncation: np.ndarray  # [k] eV/Å, C h^p
    roundoff: np.ndarray  # [k] eV/Å, eps |E| / h
    best_step: float  # Å, smallest measured error
    best_error: float  # eV/Å
    order: int = 2  # p
    color: str | None = None


def fd_error_figure(curves: Sequence[ErrorCurve], scheme: str = "central") -> go.Figure:
    """max |F_FD − F_AD| against the step h on log-log axes: the measured V for each dtype, the
    truncation line C·h^p and the round-off line δE/h for each, and the best step marked."""
    fig = _figure(axis_title("Finite-difference step h", "Å"),
                  axis_title("Largest force error |F_FD − F_autograd|", "eV/Å"),
                  f"{scheme.capitalize()} differences against autograd")
    power = "²" if curves and curves[0].order == 2 else ""
    measured = [c.errors[c.errors > 0] for c in curves]
    low = min((float(m.min()) for m in measured if len(m)), default=1e-12)
    high = max((float(m.max()) for m in measured if len(m)), default=1.0)
    # truncation is a property of the function, not of the precision: one line when the fits agree
    shared = len(curves) > 1 and all(
        c.steps.shape == curves[0].steps.shape and np.allclose(c.truncation, curves[0].truncation, rtol=0.05)
        for c in curves)
    if shared:
        fig.add_trace(go.Scatter(
            x=curves[0].steps, y=curves[0].truncation, mode="lines", name=f"truncation C·h{power} (both)",
            line=dict(color="#555555", dash="dot", width=2.5), hoverinfo="skip"))
    for index, curve in enumerate(curves):
        color = curve.color or DTYPE_COLORS.get(curve.label, PALETTE[index % len(PALETTE)])
        fig.add_trace(go.Scatter(
            x=curve.steps, y=curve.errors, mode="lines+markers", name=f"measured, {curve.label}",
            line=dict(color=color), marker=dict(color=color),
            hovertemplate="h = %{x:.1e} Å<br>error = %{y:.2e} eV/Å<extra>" + curve.label + "</extra>"))
        if not shared:
            fig.add_trace(go.Scatter(
                x=curve.steps, y=curve.truncation, mode="lines", name=f"truncation C·h{power}, {curve.label}",
                line=dict(color=color, dash="dot", width=1.5), hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=curve.steps, y=curve.roundoff, mode="lines", name=f"round-off δE/h, {curve.label}",
            line=dict(color=color, dash="dash", width=1.5), hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=[curve.best_step], y=[curve.best_error], mode="markers+text", showlegend=False,
            marker=dict(symbol="star", size=18, color=color, line=dict(color="black", width=1)),
            text=[f"best h = {_exponent(curve.best_step)} Å"], textposition="bottom center",
            textfont=dict(color=color), hovertemplate="best step %{x:.1e} Å: %{y:.2e} eV/Å<extra></extra>"))
    fig.update_xaxes(type="log", exponentformat="power")
    # the guide lines run far off the data: keep the view on the measurements
    fig.update_yaxes(type="log", exponentformat="power", range=[np.log10(low) - 1.0, np.log10(high) + 0.7])
    fig.update_layout(legend=BOTTOM_LEGEND)
    return fig


def timing_figure(series: Sequence[tuple[str, Sequence[int], Sequence[float], float, float]],
                  title: str, y_title: str = "Wall time per call", colors: Sequence[str] | None = None) -> go.Figure:
    """Median wall time (s) against the number of atoms on log-log axes, each series with its fitted
    power law drawn dashed. ``series``: (label, n_atoms, seconds, slope, prefactor)."""
    fig = _figure(axis_title("Number of atoms N", "atoms"), axis_title(y_title, "s"), title)
    colors = list(colors) if colors is not None else PALETTE
    for (label, n_atoms, seconds, slope, prefactor), color in zip(series, colors):
        n_atoms, seconds = np.asarray(n_atoms, dtype=float), np.asarray(seconds, dtype=float)
        if not len(n_atoms):
            continue
        name = label + (f" · slope {slope:.2f}" if np.isfinite(slope) else "")
        fig.add_trace(go.Scatter(x=n_atoms, y=seconds, mode="markers+lines", name=name,
                                 line=dict(color=color, width=1.5), marker=dict(color=color, size=9),
                                 hovertemplate="N = %{x}<br>%{y:.3g} s<extra>" + label + "</extra>"))
        if np.isfinite(slope) and len(n_atoms) >= 2:
            fit_n = np.geomspace(n_atoms.min(), n_atoms.max(), 30)
            fig.add_trace(go.Scatter(x=fit_n, y=prefactor * fit_n**slope, mode="lines", showlegend=False,
                                     line=dict(color=color, dash="dash", width=1.5), hoverinfo="skip"))
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(legend=BOTTOM_LEGEND)
    return fig


def frequency_error_figure(mode_names: Sequence[str], reference: Sequence[float],
                           models: dict[str, Sequence[float]]) -> go.Figure:
    """Model minus reference harmonic wavenumber (cm⁻¹) for each normal mode, one bar group per model."""
    # one word per line: the labels fit side by side instead of being turned (and squeezing the plot)
    labels = ["<br>".join(str(name).split()) + f"<br>{value:.0f} cm⁻¹" for name, value in zip(mode_names, reference)]
    fig = _figure(axis_title("Normal mode, at its reference wavenumber", "cm⁻¹"),
                  axis_title("Model − reference", "cm⁻¹"), "Harmonic wavenumbers: model minus reference")
    for (label, values), color in zip(models.items(), PALETTE):
        difference = np.asarray(values, dtype=float) - np.asarray(reference, dtype=float)
        fig.add_trace(go.Bar(x=labels, y=difference, name=label, marker=dict(color=color),
                             text=[f"{d:+.1f}" for d in difference], textposition="outside",
                             hovertemplate="%{x}<br>model − reference = %{y:+.1f} cm⁻¹<extra>" + label + "</extra>"))
    fig.add_hline(y=0.0, line=dict(color=COLORS["reference"], width=1.5))
    # legend between the title and the bars: below them it would collide with the two-line tick labels
    fig.update_layout(barmode="group", margin=dict(t=110),
                      legend=dict(orientation="h", x=0.0, xanchor="left", y=1.02, yanchor="bottom"))
    fig.update_yaxes(zeroline=False)
    return fig
