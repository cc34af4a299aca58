"""Figures of lesson 12: two-state surfaces and their coupling, surface-hopping trajectories, outcome
probabilities against momentum (FSSH with error bars against the exact curves), and a network's
diabatic fit against the reference.

Atomic units on every axis: x in bohr, energies in Eₕ (hartree), d12 in 1/bohr, momentum ħk in ħ/bohr;
times are shown in fs. Builders take plain arrays and return plotly figures; they compute no physics.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

X_TITLE = axis_title("x", "bohr")
ENERGY_TITLE = axis_title("Energy", "Eₕ")
COUPLING_TITLE = axis_title("d₁₂", "bohr⁻¹")
MOMENTUM_TITLE = axis_title("Incoming momentum k", "ħ/bohr")
PROBABILITY_TITLE = axis_title("Probability", "dimensionless")
TIME_TITLE = axis_title("Time", "fs")
LOWER, UPPER = COLORS["model"], COLORS["counterexample"]  # the two adiabatic surfaces
CHANNEL_STYLE = {  # channel -> (label, colour)
    "transmission_lower": ("transmitted, lower", PALETTE[0]),
    "transmission_upper": ("transmitted, upper", PALETTE[1]),
    "reflection_lower": ("reflected, lower", PALETTE[2]),
    "reflection_upper": ("reflected, upper", PALETTE[3]),
}


def surfaces_figure(x: np.ndarray, v11: np.ndarray, v22: np.ndarray, v12: np.ndarray, energy_lower: np.ndarray,
                    energy_upper: np.ndarray, coupling: np.ndarray, title: str | None = None) -> go.Figure:
    """Top: diabats V11, V22 (dashed), the diabatic coupling V12 (dotted) and the adiabats (solid).
    Bottom: the non-adiabatic coupling d12(x). All [n] on the grid x [n] (bohr)."""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.6, 0.4], vertical_spacing=0.17)
    for name, values, color, dash in (("V₁₁ (diabat 1)", v11, PALETTE[5], "dash"),
                                      ("V₂₂ (diabat 2)", v22, PALETTE[4], "dash"),
                                      ("V₁₂ (diabatic coupling)", v12, "#777777", "dot"),
                                      ("E₋ (lower adiabat)", energy_lower, LOWER, "solid"),
                                      ("E₊ (upper adiabat)", energy_upper, UPPER, "solid")):
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=name, line=dict(color=color, dash=dash),
                                 hovertemplate="x = %{x:.2f} bohr<br>%{y:.5f} Eₕ<extra>" + name + "</extra>"),
                      row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=coupling, mode="lines", name="d₁₂ = ⟨φ₋|dφ₊/dx⟩",
                             line=dict(color=COLORS["reference"]),
                             hovertemplate="x = %{x:.2f} bohr<br>d₁₂ = %{y:.4f} bohr⁻¹<extra></extra>"), row=2, col=1)
    fig.update_yaxes(title_text=ENERGY_TITLE, row=1, col=1)
    fig.update_yaxes(title_text=COUPLING_TITLE, row=2, col=1)
    fig.update_xaxes(title_text=X_TITLE, title_standoff=4, range=[float(x[0]), float(x[-1])])
    fig.update_layout(title=title)
    return style_figure(fig)


@dataclass(frozen=True)
class TrajectoryPath:
    """One trajectory: time (fs), x (bohr), energy of its active surface (Eₕ), state (0/1), each [m]."""

    time_fs: np.ndarray
    position: np.ndarray
    energy: np.ndarray
    state: np.ndarray


def _by_state(paths: Sequence[TrajectoryPath], state: int, x_of, y_of) -> tuple[list, list]:
    """Segments of all paths while on ``state``, joined into one trace with gaps (None) between them."""
    xs: list = []
    ys: list = []
    for path in paths:
        on = path.state == state
        start = None
        for i in range(len(on) + 1):
            if i < len(on) and on[i]:
                start = i if start is None else start
            elif start is not None:
                xs += list(x_of(path)[start:i]) + [None]
                ys += list(y_of(path)[start:i]) + [None]
                start = None
    return xs, ys


def trajectories_figure(x: np.ndarray, energy_lower: np.ndarray, energy_upper: np.ndarray,
                        paths: Sequence[TrajectoryPath], title: str | None = None) -> go.Figure:
    """Top: the adiabats (grey) with each trajectory drawn on its active surface; a hop is a vertical
    jump, marked. Bottom: x(t) of the same trajectories, coloured by the active surface."""
    fig = make_subplots(rows=2, cols=1, row_heights=[0.5, 0.5], vertical_spacing=0.17)
    for values, name in ((energy_lower, "E₋"), (energy_upper, "E₊")):
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=name, showlegend=False,
                                 line=dict(color="#BBBBBB", width=6), hoverinfo="skip"), row=1, col=1)
    for state, color, label in ((0, LOWER, "on the lower surface"), (1, UPPER, "on the upper surface")):
        xs, ys = _by_state(paths, state, lambda p: p.position, lambda p: p.energy)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, line=dict(color=color, width=2),
                                 legendgroup=str(state)), row=1, col=1)
        ts, xs = _by_state(paths, state, lambda p: p.time_fs, lambda p: p.position)
        fig.add_trace(go.Scatter(x=ts, y=xs, mode="lines", name=label, showlegend=False, line=dict(color=color),
                                 legendgroup=str(state)), row=2, col=1)
    hop_x, hop_e = [], []
    for path in paths:
        for i in np.flatnonzero(np.diff(path.state) != 0):
            hop_x += [path.position[i + 1]]
            hop_e += [path.energy[i + 1]]
    if hop_x:
        fig.add_trace(go.Scatter(x=hop_x, y=hop_e, mode="markers", name="hop",
                                 marker=dict(symbol="diamond", color=COLORS["highlight"], size=9)), row=1, col=1)
    fig.update_xaxes(title_text=X_TITLE, row=1, col=1)
    fig.update_yaxes(title_text=ENERGY_TITLE, row=1, col=1)
    fig.update_xaxes(title_text=TIME_TITLE, row=2, col=1)
    fig.update_yaxes(title_text=X_TITLE, row=2, col=1)
    fig.update_layout(title=title)
    return style_figure(fig)


@dataclass(frozen=True)
class ProbabilitySeries:
    """Probabilities against momentum for one method: ``probabilities[channel]`` [n], ``stderr`` the same
    shape or None. ``markers`` True draws points with error bars (sampling), False lines (exact)."""

    name: str
    momenta: np.ndarray
    probabilities: dict[str, np.ndarray]
    stderr: dict[str, np.ndarray] | None = None
    markers: bool = False
    dash: str = "solid"
    symbol: str = "circle"


def probability_figure(series: Sequence[ProbabilitySeries], channels: Sequence[str] | None = None,
                       title: str | None = None, log_energy: bool = False) -> go.Figure:
    """Each channel in its colour; each method as lines or markers with ±1 standard-error bars."""
    channels = list(channels or CHANNEL_STYLE)
    fig = go.Figure()
    for item in series:
        for channel in channels:
            label, color = CHANNEL_STYLE[channel]
            error = None
            if item.stderr is not None:
                error = dict(type="data", array=np.asarray(item.stderr[channel]), visible=True, thickness=1.5)
            fig.add_trace(go.Scatter(
                x=item.momenta, y=item.probabilities[channel], name=f"{label} · {item.name}",
                mode="markers" if item.markers else "lines", error_y=error,
                line=dict(color=color, dash=item.dash), marker=dict(color=color, symbol=item.symbol, size=8),
                hovertemplate="k = %{x:.2f} ħ/bohr<br>P = %{y:.3f}<extra>" + f"{label} · {item.name}</extra>"))
    fig.update_layout(title=title, xaxis_title=MOMENTUM_TITLE, yaxis_title=PROBABILITY_TITLE,
                      yaxis_range=[-0.03, 1.03], legend=dict(font=dict(size=11)))
    if log_energy:
        fig.update_xaxes(type="log")
    return style_figure(fig)


def diabatisation_figure(x: np.ndarray, reference: dict[str, np.ndarray], fits: Sequence[tuple[str, dict, str]],
                         title: str | None = None) -> go.Figure:
    """Three panels against x (bohr): diabatic elements V11, V22, V12; adiabats E₋, E₊; coupling d12.
    ``reference`` and each fit's dict hold arrays "v11", "v22", "v12", "lower", "upper", "coupling" [n];
    ``fits`` are (name, arrays, colour). The reference is black; fits dashed in their colour."""
    fig = make_subplots(rows=3, cols=1, vertical_spacing=0.13, row_heights=[0.36, 0.36, 0.28])
    rows = {"v11": 1, "v22": 1, "v12": 1, "lower": 2, "upper": 2, "coupling": 3}
    labels = {"v11": "V₁₁", "v22": "V₂₂", "v12": "V₁₂", "lower": "E₋", "upper": "E₊", "coupling": "d₁₂"}
    for name, arrays, color, dash, width in [("reference", reference, COLORS["reference"], "solid", 2.5)] + \
            [(n, a, c, "dash", 2.5) for n, a, c in fits]:
        for key, row in rows.items():
            if key not in arrays:
                continue
            unit = "bohr⁻¹" if key == "coupling" else "Eₕ"
            fig.add_trace(go.Scatter(x=x, y=arrays[key], mode="lines", name=name, legendgroup=name,
                                     showlegend=key == "lower", line=dict(color=color, dash=dash, width=width),
                                     hovertemplate=f"x = %{{x:.2f}} bohr<br>{labels[key]} = %{{y:.5f}} {unit}"
                                                   f"<extra>{name}</extra>"), row=row, col=1)
    fig.update_yaxes(title_text=axis_title("V₁₁, V₂₂, V₁₂", "Eₕ"), row=1, col=1)
    fig.update_yaxes(title_text=axis_title("E₋, E₊", "Eₕ"), row=2, col=1)
    fig.update_yaxes(title_text=COUPLING_TITLE, row=3, col=1)
    fig.update_xaxes(title_text=X_TITLE, title_standoff=4, range=[float(x[0]), float(x[-1])])
    fig.update_layout(title=title)
    return style_figure(fig)
