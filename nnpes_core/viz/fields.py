"""Figures for force fields on a 2-D surface: arrows (quiver) over the contour map, a curl map with the
loop drawn on it, and the total energy of NVE runs against time.

Arrows point along the force; their length grows with |F| up to a cap (``clip``), because on a surface
like Müller-Brown |F| spans orders of magnitude and arrows to scale would either vanish or cross the map.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, DIVERGING, style_figure
from nnpes_core.viz.surfaces import PointMarker, contour_figure


@dataclass
class ArrowField:
    """Forces (U, V) [n_y, n_x] at the grid points (X, Y), drawn in one colour."""

    name: str
    U: np.ndarray
    V: np.ndarray
    color: str = COLORS["model"]


def arrow_segments(X: np.ndarray, Y: np.ndarray, U: np.ndarray, V: np.ndarray, length: float,
                   clip: float, head: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """x, y of line segments (shaft + two-stroke head, separated by NaN) for one scatter trace.

    An arrow has length ``length * min(1, |F| / clip)`` in plot units, along F.
    """
    X, Y, U, V = (np.asarray(a, dtype=float).ravel() for a in (X, Y, U, V))
    norm = np.hypot(U, V)
    scale = length * np.minimum(1.0, norm / clip) / np.where(norm > 0, norm, 1.0)
    dx, dy = U * scale, V * scale
    tip_x, tip_y = X + dx, Y + dy
    # the head: two short strokes back from the tip at +-25 degrees
    cos, sin = np.cos(np.radians(25)), np.sin(np.radians(25))
    hx1, hy1 = -head * (dx * cos - dy * sin), -head * (dx * sin + dy * cos)
    hx2, hy2 = -head * (dx * cos + dy * sin), -head * (-dx * sin + dy * cos)
    nan = np.full_like(X, np.nan)
    xs = np.stack([X, tip_x, nan, tip_x + hx1, tip_x, tip_x + hx2, nan], axis=1).ravel()
    ys = np.stack([Y, tip_y, nan, tip_y + hy1, tip_y, tip_y + hy2, nan], axis=1).ravel()
    keep = np.repeat(norm > 0, 7)
    return xs[keep], ys[keep]


def circle_xy(center: Sequence[float], radius: float, n_points: int = 100) -> tuple[np.ndarray, np.ndarray]:
    theta = np.linspace(0.0, 2 * np.pi, n_points)
    return center[0] + radius * np.cos(theta), center[1] + radius * np.sin(theta)


def _add_loop(fig: go.Figure, loop: tuple[Sequence[float], float] | None) -> None:
    if loop is None:
        return
    center, radius = loop
    x, y = circle_xy(center, radius)
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name="loop (counter-clockwise)",
                             line=dict(color=COLORS["highlight"], width=3)))
    # a small arrowhead at the top of the circle shows the direction of travel
    fig.add_annotation(x=center[0] - 0.15 * radius, y=center[1] + radius, ax=center[0] + 0.15 * radius,
                       ay=center[1] + radius, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=3, arrowsize=1.5, arrowwidth=2.5, arrowcolor=COLORS["highlight"], text="")


def quiver_figure(
    X: np.ndarray,
    Y: np.ndarray,
    E: np.ndarray,
    fields: Sequence[ArrowField],
    *,
    x_title: str,
    y_title: str,
    energy_title: str,
    title: str | None = None,
    energy_max: float | None = None,
    clip: float | None = None,
    arrow_X: np.ndarray | None = None,
    arrow_Y: np.ndarray | None = None,
    loop: tuple[Sequence[float], float] | None = None,
    points: Sequence[PointMarker] = (),
) -> go.Figure:
    """The contour map of E with each force field as arrows at (arrow_X, arrow_Y) (default: X, Y).

    ``clip``: the |F| at which arrows stop growing (default: the 80th percentile of the first field).
    """
    fig = contour_figure(X, Y, E, x_title=x_title, y_title=y_title, energy_title=energy_title, title=title,
                         energy_max=energy_max, points=points)
    arrow_X = X if arrow_X is None else arrow_X
    arrow_Y = Y if arrow_Y is None else arrow_Y
    arrow_X, arrow_Y = np.atleast_2d(arrow_X), np.atleast_2d(arrow_Y)  # meshgrid arrays [n_y, n_x]
    steps = [abs(float(arrow_X[0, 1] - arrow_X[0, 0])) if arrow_X.shape[1] > 1 else np.inf,
             abs(float(arrow_Y[1, 0] - arrow_Y[0, 0])) if arrow_Y.shape[0] > 1 else np.inf]
    spacing = min(steps) if np.isfinite(min(steps)) else 0.1 * float(np.ptp(X))
    if clip is None and fields:
        clip = float(np.percentile(np.hypot(fields[0].U, fields[0].V), 80)) or 1.0
    for field in fields:
        xs, ys = arrow_segments(arrow_X, arrow_Y, field.U, field.V, length=0.9 * spacing, clip=clip or 1.0)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=field.name, hoverinfo="skip",
                                 line=dict(color=field.color, width=1.8)))
    _add_loop(fig, loop)
    return fig


def curl_figure(
    X: np.ndarray,
    Y: np.ndarray,
    curl: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    curl_title: str,
    title: str | None = None,
    limit: float | None = None,
    loop: tuple[Sequence[float], float] | None = None,
    data_xy: np.ndarray | None = None,
) -> go.Figure:
    """The curl dF_y/dx − dF_x/dy [n_y, n_x] on a diverging scale centred on zero, the loop on top."""
    curl = np.asarray(curl, dtype=float)
    limit = limit if limit is not None else (float(np.nanmax(np.abs(curl))) or 1.0)
    fig = contour_figure(X, Y, np.clip(curl, -limit, limit), x_title=x_title, y_title=y_title,
                         energy_title=curl_title, title=title, colorscale=DIVERGING, n_levels=24)
    fig.data[0].update(zmin=-limit, zmax=limit, zmid=0.0,
                       contours=dict(start=-limit, end=limit, size=limit / 12),
                       hovertemplate="x = %{x:.3f}<br>y = %{y:.3f}<br>curl = %{z:.4g}<extra></extra>")
    if data_xy is not None and len(data_xy):
        fig.add_trace(go.Scatter(x=data_xy[:, 0], y=data_xy[:, 1], mode="markers", name="training points",
                                 marker=dict(size=4, color="rgba(0,0,0,0.45)"), hoverinfo="skip"))
    _add_loop(fig, loop)
    return fig


@dataclass
class EnergyTrace:
    """Total-energy change of one run (or several particles): time [n_frames], change [n_frames, n_runs]."""

    name: str
    time: np.ndarray
    change: np.ndarray
    color: str


def energy_change_figure(traces: Sequence[EnergyTrace], *, time_title: str, energy_title: str,
                         title: str | None = None) -> go.Figure:
    """E_tot(t) − E_tot(0) against time for each run; several particles of one run share a colour."""
    fig = go.Figure()
    for trace in traces:
        change = np.asarray(trace.change, dtype=float).reshape(len(trace.time), -1)
        for column in range(change.shape[1]):
            fig.add_trace(go.Scatter(x=trace.time, y=change[:, column], mode="lines", name=trace.name,
                                     legendgroup=trace.name, showlegend=column == 0,
                                     line=dict(color=trace.color, width=1.5 if change.shape[1] > 1 else 2.5),
                                     opacity=0.75 if change.shape[1] > 1 else 1.0))
    fig.add_hline(y=0.0, line=dict(color=COLORS["reference"], width=1, dash="dot"))
    fig.update_layout(title=title, xaxis_title=time_title, yaxis_title=energy_title,
                      legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"))
    return style_figure(fig)


def loop_work_figure(radii: np.ndarray, works: Mapping[str, tuple[np.ndarray, str]], *, radius_title: str,
                     work_title: str, title: str | None = None) -> go.Figure:
    """|W| around circles of growing radius, log scale: round-off for −∇E, a real signal for the direct net."""
    fig = go.Figure()
    for name, (work, color) in works.items():
        fig.add_trace(go.Scatter(x=radii, y=np.maximum(np.abs(work), 1e-18), mode="lines+markers", name=name,
                                 line=dict(color=color)))
    fig.update_layout(title=title, xaxis_title=radius_title, yaxis_title=work_title,
                      yaxis=dict(type="log", exponentformat="power", dtick=3),
                      legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"))
    return style_figure(fig)
