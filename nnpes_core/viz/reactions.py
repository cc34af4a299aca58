"""Figures for reaction paths and rates: the path on the contour map, the energy profile along it, the
Arrhenius plot, and the barrier against Sato's parameter.

Builders take plain arrays (distances in Å, energies in eV, or a 2-D surface's own units) and return
plotly figures in the course style; none of them computes physics.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, axis_title, style_figure
from nnpes_core.viz.surfaces import PointMarker, contour_figure

ROLE_STYLE = {  # colour and dash of a path or profile by its role
    "reference": (COLORS["reference"], "solid"),
    "model": (COLORS["model"], "solid"),
    "counterexample": (COLORS["counterexample"], "dash"),
    "other": (COLORS["highlight"], "dot"),
}


@dataclass(frozen=True)
class PathLine:
    """One reaction path: images at (x, y) on the map, with their energies (for the hover and the
    profile) and the index of the highest image (the saddle)."""

    name: str
    x: np.ndarray  # [n_images]
    y: np.ndarray  # [n_images]
    energies: np.ndarray  # [n_images], relative to the reactants
    distance: np.ndarray  # [n_images] along the path (cumulative), for the profile
    role: str = "reference"  # reference, model, counterexample, other

    @property
    def highest(self) -> int:
        return int(np.argmax(self.energies))


def _style(role: str) -> tuple[str, str]:
    return ROLE_STYLE.get(role, ROLE_STYLE["other"])


def path_map_figure(X: np.ndarray, Y: np.ndarray, E: np.ndarray, paths: Sequence[PathLine], *, x_title: str,
                    y_title: str, energy_title: str, energy_unit: str, points: Sequence[PointMarker] = (),
                    energy_max: float | None = None, title: str | None = None) -> go.Figure:
    """The contour map E(X, Y) [n_y, n_x] with each path's images joined by a line and its saddle starred."""
    fig = contour_figure(X, Y, E, x_title=x_title, y_title=y_title, energy_title=energy_title, title=title,
                         points=points, energy_max=energy_max)
    for path in paths:
        color, dash = _style(path.role)
        fig.add_trace(go.Scatter(
            x=path.x, y=path.y, mode="lines+markers", name=path.name,
            line=dict(color=color, dash=dash, width=3), marker=dict(color=color, size=8, line=dict(color="white", width=1)),
            hovertemplate=f"{path.name}<br>image %{{customdata[0]}}<br>(%{{x:.3f}}, %{{y:.3f}})"
                          f"<br>E = %{{customdata[1]:.4g}} {energy_unit}<extra></extra>",
            customdata=np.column_stack([np.arange(len(path.x)), path.energies])))
        top = path.highest
        fig.add_trace(go.Scatter(
            x=[path.x[top]], y=[path.y[top]], mode="markers", name=f"{path.name}: highest image",
            marker=dict(symbol="star", size=18, color=color, line=dict(color="white", width=1.5)),
            hovertemplate=f"{path.name} saddle<br>(%{{x:.3f}}, %{{y:.3f}})<br>E = {path.energies[top]:.4g} "
                          f"{energy_unit}<extra></extra>"))
    return style_figure(fig)


def energy_profile_figure(paths: Sequence[PathLine], *, distance_unit: str, energy_unit: str,
                          title: str | None = None) -> go.Figure:
    """Energy along each path (relative to the reactants) against the distance travelled along it."""
    fig = go.Figure()
    for number, path in enumerate(paths):
        color, dash = _style(path.role)
        fig.add_trace(go.Scatter(x=path.distance, y=path.energies, mode="lines+markers", name=path.name,
                                 line=dict(color=color, dash=dash), marker=dict(color=color)))
        top = path.highest  # labels of several paths are stacked, so that close maxima stay readable
        fig.add_annotation(x=path.distance[top], y=path.energies[top], text=f"{path.energies[top]:.3g} {energy_unit}",
                           showarrow=True, arrowhead=2, ax=0 if number == 0 else (40 if number % 2 else -40),
                           ay=-30 - 22 * number, font=dict(color=color), bgcolor="rgba(255,255,255,0.8)")
    fig.add_hline(y=0.0, line=dict(color="#888888", width=1, dash="dot"))
    fig.update_layout(title=title, xaxis_title=axis_title("Distance along the path", distance_unit),
                      yaxis_title=axis_title("Energy above the reactants", energy_unit),
                      legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"))
    return style_figure(fig)


def arrhenius_figure(temperatures: np.ndarray, rates: dict[str, tuple[np.ndarray, str]], *, rate_unit: str,
                     marked_temperature: float | None = None, title: str | None = None) -> go.Figure:
    """k on a logarithmic axis against 1000/T (a straight line of slope -E_a/k_B for Arrhenius behaviour);
    ``rates`` maps a name to (k [n_T], role)."""
    temperatures = np.asarray(temperatures, dtype=float)
    inverse = 1000.0 / temperatures
    fig = go.Figure()
    for name, (rate, role) in rates.items():
        color, dash = _style(role)
        fig.add_trace(go.Scatter(x=inverse, y=rate, mode="lines", name=name, line=dict(color=color, dash=dash),
                                 customdata=temperatures,
                                 hovertemplate=f"{name}<br>T = %{{customdata:.0f}} K<br>k = %{{y:.3e}} {rate_unit}"
                                               "<extra></extra>"))
    if marked_temperature is not None:
        fig.add_vline(x=1000.0 / marked_temperature, line=dict(color="#888888", dash="dot"),
                      annotation_text=f"{marked_temperature:.0f} K", annotation_position="top")
    fig.update_layout(title=title, xaxis_title=axis_title("1000 / T", "K⁻¹"),
                      yaxis=dict(type="log", exponentformat="power"),
                      yaxis_title=axis_title("Rate constant k", rate_unit),
                      legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"))
    return style_figure(fig)


def sato_barrier_figure(sato: np.ndarray, barriers: np.ndarray, *, chosen: tuple[float, float] | None = None,
                        target: float | None = None, target_label: str = "accurate barrier") -> go.Figure:
    """The classical barrier (eV) of the LEPS surface against Sato's parameter k (dimensionless)."""
    fig = go.Figure(go.Scatter(x=sato, y=barriers, mode="lines", name="LEPS barrier",
                               line=dict(color=COLORS["reference"])))
    if target is not None:
        fig.add_hline(y=target, line=dict(color=COLORS["validation"], dash="dash"),
                      annotation_text=f"{target_label}: {target:.3f} eV", annotation_position="bottom right")
    if chosen is not None:
        fig.add_trace(go.Scatter(x=[chosen[0]], y=[chosen[1]], mode="markers", name="your k",
                                 marker=dict(symbol="star", size=16, color=COLORS["highlight"],
                                             line=dict(color="black", width=1))))
    fig.update_layout(xaxis_title=axis_title("Sato parameter k", "dimensionless"),
                      yaxis_title=axis_title("Barrier above H + H₂", "eV"),
                      legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"))
    return style_figure(fig)
