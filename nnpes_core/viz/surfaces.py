"""Two-dimensional energy surfaces as contour maps and 3-D surface plots, with marked points and arrows.

Used for the toy surfaces of lesson 1 (LEPS, Müller-Brown) and for any E(x, y) on a grid: slices of a
learned surface, error maps, force fields. Inputs are plain arrays from ``grid``:
``X, Y, E`` of shape [n_y, n_x] with ``E[i, j]`` at ``(X[i, j], Y[i, j])``.

    fig = contour_figure(X, Y, E, x_title=axis_title("r_AB", "Å"), y_title=axis_title("r_BC", "Å"),
                         energy_title=axis_title("Energy", "eV"),
                         points=[PointMarker(0.92, 0.92, "saddle", "saddle", -4.52)],
                         arrows=[force_arrow(1.5, 0.8, gradient_xy, length=0.3)])
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.potentials.survey import SurfaceSurvey, clamp_to_window
from nnpes_core.viz.style import COLORS, SEQUENTIAL, style_figure


@dataclass(frozen=True)
class PointMarker:
    """A marked point: ``kind`` picks the symbol ("minimum", "saddle", "maximum", "valley", "point")."""

    x: float
    y: float
    label: str
    kind: str = "point"
    energy: float | None = None  # needed for the 3-D plot; shown in the hover text


@dataclass(frozen=True)
class Arrow:
    """An arrow from (x, y) to (x + dx, y + dy), in the plot's own coordinates."""

    x: float
    y: float
    dx: float
    dy: float
    label: str = ""
    color: str = COLORS["highlight"]


# symbol, fill colour, size (px) for each kind of point; outlined in black so they show on any colour.
KIND_STYLE = {
    "minimum": ("circle", "#FFFFFF", 13),
    "saddle": ("x", COLORS["counterexample"], 14),
    "maximum": ("triangle-up", "#FFFFFF", 13),
    "valley": ("triangle-right", COLORS["validation"], 14),
    "point": ("star", COLORS["highlight"], 18),
}
TEXT_POSITIONS = {"valley": "top left"}  # valley markers sit on the right or top edge: label inwards
KIND_NAMES = {"minimum": "minimum", "saddle": "saddle point", "maximum": "maximum",
              "valley": "valley leaving the window", "point": "your point"}


def force_arrow(x: float, y: float, gradient_xy: Sequence[float], length: float, label: str = "−∇E") -> Arrow:
    """An arrow along −∇E (downhill, the force direction) of fixed display ``length``; none if ∇E = 0.

    The magnitude is printed beside the plot rather than drawn: on Müller-Brown |∇E| spans four orders
    of magnitude, and an arrow to scale would either vanish or leave the window.
    """
    gradient_xy = np.asarray(gradient_xy, dtype=float)
    norm = float(np.linalg.norm(gradient_xy))
    if norm == 0.0 or not np.isfinite(norm):
        return Arrow(x, y, 0.0, 0.0, label)
    dx, dy = -length * gradient_xy / norm
    return Arrow(float(x), float(y), float(dx), float(dy), label)


def survey_markers(survey: SurfaceSurvey, x_range, y_range, x_name: str = "x", y_name: str = "y") -> list[PointMarker]:
    """Markers for the stationary points of a survey; valleys that leave the window sit on its edge."""
    markers = []
    for label, point, inside in survey.labelled(x_name, y_name):
        x, y = point.xy if inside else clamp_to_window(point.xy, x_range, y_range)
        markers.append(PointMarker(float(x), float(y), label, point.kind if inside else "valley", point.energy))
    return markers


def clipped(E: np.ndarray, energy_max: float | None) -> np.ndarray:
    """Energies above ``energy_max`` set to it, so one repulsive corner does not flatten the colour scale."""
    return np.asarray(E, dtype=float) if energy_max is None else np.minimum(E, energy_max)


def _hover(point: PointMarker) -> str:
    energy = "" if point.energy is None else f"<br>E = {point.energy:.4g}"
    return f"{point.label}<br>({point.x:.4g}, {point.y:.4g}){energy}"


def _marker_traces(points: Sequence[PointMarker], three_d: bool = False, energy_max: float | None = None):
    """One trace per kind, so the legend reads "minimum", "saddle point", ... once each."""
    traces = []
    for kind in dict.fromkeys(point.kind for point in points):
        group = [point for point in points if point.kind == kind]
        symbol, color, size = KIND_STYLE.get(kind, KIND_STYLE["point"])
        marker = dict(symbol=symbol, color=color, size=size, line=dict(color="black", width=2))
        common = dict(mode="markers+text", name=KIND_NAMES.get(kind, kind), text=[p.label for p in group],
                      hovertext=[_hover(p) for p in group], hoverinfo="text")
        if three_d:
            z = [float(p.energy if energy_max is None else min(p.energy, energy_max)) for p in group]
            marker3d = dict(marker, symbol={"circle": "circle", "x": "x"}.get(symbol, "diamond"),
                            size=max(size // 2, 5))
            traces.append(go.Scatter3d(x=[p.x for p in group], y=[p.y for p in group], z=z,
                                       marker=marker3d, **common))
        else:
            traces.append(go.Scatter(x=[p.x for p in group], y=[p.y for p in group], marker=marker,
                                     textposition=TEXT_POSITIONS.get(kind, "top center"),
                                     textfont=dict(color="black"),
                                     cliponaxis=False, **common))
    return traces


def contour_figure(
    X: np.ndarray,
    Y: np.ndarray,
    E: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    energy_title: str,
    title: str | None = None,
    points: Sequence[PointMarker] = (),
    arrows: Sequence[Arrow] = (),
    energy_max: float | None = None,
    n_levels: int = 30,
    colorscale: str = SEQUENTIAL,
) -> go.Figure:
    """A filled contour map of E(X, Y) [n_y, n_x] with labelled contour lines, marked points and arrows.

    Axis titles carry units (build them with ``axis_title``); ``energy_title`` labels the colour bar.
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    E = clipped(E, energy_max)
    low, high = float(np.nanmin(E)), float(np.nanmax(E))
    size = (high - low) / n_levels if high > low else 1.0
    fig = go.Figure(go.Contour(
        x=X[0], y=Y[:, 0], z=E, colorscale=colorscale, name="E",
        contours=dict(start=low, end=high, size=size, coloring="heatmap", showlines=True),
        line=dict(width=0.6, color="rgba(0,0,0,0.35)"),
        colorbar=dict(title=dict(text=energy_title, side="right")),
        hovertemplate="x = %{x:.3f}<br>y = %{y:.3f}<br>E = %{z:.4g}<extra></extra>",
    ))
    for trace in _marker_traces(points):
        fig.add_trace(trace)
    for arrow in arrows:
        if arrow.dx == 0.0 and arrow.dy == 0.0:
            continue
        # plotly draws an annotation's text at the arrow's tail: the label goes in a second annotation
        # just beyond the head, so that it does not hide the point the arrow starts from.
        fig.add_annotation(x=arrow.x + arrow.dx, y=arrow.y + arrow.dy, ax=arrow.x, ay=arrow.y,
                           xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                           arrowsize=1.3, arrowwidth=3, arrowcolor=arrow.color, text="")
        if arrow.label:
            fig.add_annotation(x=arrow.x + 1.4 * arrow.dx, y=arrow.y + 1.4 * arrow.dy, text=arrow.label,
                               showarrow=False, font=dict(color="black"), bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(
        title=title, xaxis_title=x_title, yaxis_title=y_title,
        xaxis=dict(range=[float(X.min()), float(X.max())]),
        yaxis=dict(range=[float(Y.min()), float(Y.max())]),
        legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"),
    )
    return style_figure(fig)


def surface_figure(
    X: np.ndarray,
    Y: np.ndarray,
    E: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    energy_title: str,
    title: str | None = None,
    points: Sequence[PointMarker] = (),
    energy_max: float | None = None,
    colorscale: str = SEQUENTIAL,
    camera_eye: tuple[float, float, float] = (1.5, -1.5, 1.1),
    hide_above_max: bool = False,
) -> go.Figure:
    """E(X, Y) [n_y, n_x] as a 3-D surface (drag to rotate) with marked points hovering on it.

    Energies above ``energy_max`` are flattened to it (a plateau), or left out with ``hide_above_max``
    (which shows what lies behind a wall, but leaves ragged edges). ``camera_eye`` is where the viewer
    stands, relative to the centre of the box (plotly's scene camera).
    """
    E = np.asarray(E, dtype=float)
    if energy_max is not None:
        E = np.where(E > energy_max, np.nan, E) if hide_above_max else clipped(E, energy_max)
    fig = go.Figure(go.Surface(
        x=np.asarray(X, dtype=float), y=np.asarray(Y, dtype=float), z=E, colorscale=colorscale,
        colorbar=dict(title=dict(text=energy_title, side="right")), name="E", showscale=True,
        contours=dict(z=dict(show=True, usecolormap=True, project=dict(z=True), width=1)),
        hovertemplate="x = %{x:.3f}<br>y = %{y:.3f}<br>E = %{z:.4g}<extra></extra>",
    ))
    for trace in _marker_traces([p for p in points if p.energy is not None], three_d=True, energy_max=energy_max):
        fig.add_trace(trace)
    fig.update_layout(
        title=title,
        scene=dict(xaxis_title=x_title, yaxis_title=y_title, zaxis_title=energy_title,
                   camera=dict(eye=dict(zip("xyz", camera_eye))), aspectmode="manual",
                   aspectratio=dict(x=1, y=1, z=0.6)),
        legend=dict(orientation="h", x=0.0, y=0.0),
        margin=dict(l=10, r=10, t=60, b=10),
    )
    return style_figure(fig)
