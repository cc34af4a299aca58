"""Figures for slices of a surface: 1-D scans of model vs reference, and 2-D maps (energy, error,
committee spread) with the training data drawn on top, so that extrapolation regions are visible.

The 2-D maps are ``surfaces.contour_figure`` with the training points added; signed maps (errors) use
the diverging colour scale centred on zero.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, DIVERGING, PALETTE, SEQUENTIAL, style_figure
from nnpes_core.viz.surfaces import contour_figure

DATA_NEAR = dict(color="white", size=6, line=dict(color="black", width=1), symbol="circle")
DATA_FAR = dict(color="rgba(255,255,255,0.35)", size=4, line=dict(color="rgba(0,0,0,0.35)", width=0.5),
                symbol="circle")


@dataclass
class ScanCurve:
    """One model on a 1-D scan: energies [n] and, for a committee, the spread [n] (same units)."""

    name: str
    energy: np.ndarray
    spread: np.ndarray | None = None
    color: str | None = None
    dash: str | None = None


def _data_range(data: np.ndarray) -> tuple[float, float] | None:
    data = np.asarray(data, dtype=float)
    return (float(np.min(data)), float(np.max(data))) if data.size else None


def scan_figure(
    x: np.ndarray,
    reference: np.ndarray | None,
    curves: Sequence[ScanCurve],
    *,
    x_title: str,
    energy_title: str,
    title: str | None = None,
    data_x: np.ndarray | None = None,
    reference_name: str = "reference",
    energy_max: float | None = None,
) -> go.Figure:
    """Energies along one coordinate: the reference (black), each model (committee: mean ± spread band),
    the training data's values of the coordinate as a rug along the bottom, and their range shaded.

    The y range is that of the reference (of the models without one), capped at ``energy_max``.
    """
    x = np.asarray(x, dtype=float)
    fig = go.Figure()
    span = _data_range(data_x) if data_x is not None else None
    if span is not None:
        fig.add_vrect(x0=span[0], x1=span[1], fillcolor=COLORS["train"], opacity=0.10, line_width=0,
                      annotation_text="training data", annotation_position="top left")
    for index, curve in enumerate(curves):
        color = curve.color or PALETTE[index % len(PALETTE)]
        energy = np.asarray(curve.energy, dtype=float)
        if curve.spread is not None:
            spread = np.asarray(curve.spread, dtype=float)
            fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]),
                                     y=np.concatenate([energy + 2 * spread, (energy - 2 * spread)[::-1]]),
                                     fill="toself", fillcolor=color, opacity=0.25, line=dict(width=0),
                                     name=f"{curve.name} ± 2σ", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=energy, mode="lines", name=curve.name,
                                 line=dict(color=color, dash=curve.dash)))
    if reference is not None:
        fig.add_trace(go.Scatter(x=x, y=np.asarray(reference, dtype=float), mode="lines+markers",
                                 name=reference_name, line=dict(color=COLORS["reference"], width=2),
                                 marker=dict(size=5, color=COLORS["reference"])))
    # the y range follows the reference (models may run far off beyond the data: they leave the frame)
    shown = [np.asarray(reference, dtype=float)] if reference is not None else [
        np.asarray(c.energy, dtype=float) for c in curves]
    low = float(np.nanmin(np.concatenate(shown))) if shown else 0.0
    high = float(np.nanmax(np.concatenate(shown))) if shown else 1.0
    if energy_max is not None:
        high = min(high, energy_max)
    pad = 0.06 * (high - low if high > low else 1.0)
    if data_x is not None and len(data_x):
        fig.add_trace(go.Scatter(x=np.asarray(data_x, dtype=float), y=np.full(len(data_x), low - pad),
                                 mode="markers", name="training structures (projected)",
                                 marker=dict(symbol="line-ns-open", size=10, color=COLORS["train"], opacity=0.4),
                                 hoverinfo="skip"))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=energy_title,
                      yaxis=dict(range=[low - 2 * pad, high + pad]),
                      legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"))
    return style_figure(fig)


def slice_map(
    X: np.ndarray,
    Y: np.ndarray,
    Z: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    value_title: str,
    title: str | None = None,
    data_xy: np.ndarray | None = None,
    data_near: np.ndarray | None = None,
    signed: bool = False,
    value_max: float | None = None,
    n_levels: int = 24,
    equal_axes: bool = False,
) -> go.Figure:
    """A 2-D map [n_y, n_x] (energy, error or spread) with the training points on top.

    ``equal_axes`` draws one unit the same length on both axes (for two coordinates in the same unit,
    so that a symmetry such as r₁ ↔ r₂ shows as a mirror image about the diagonal).
    ``signed`` maps (model − reference) get the diverging colour scale, symmetric around zero.
    ``data_near`` [n] marks the points close to the slice in the coordinates it holds fixed: drawn
    solid; the others faint (they are the projection of structures away from the slice).
    """
    Z = np.asarray(Z, dtype=float)
    if signed:
        limit = value_max if value_max is not None else float(np.nanmax(np.abs(Z))) or 1.0
        shown = np.clip(Z, -limit, limit)
        fig = contour_figure(X, Y, shown, x_title=x_title, y_title=y_title, energy_title=value_title, title=title,
                             n_levels=n_levels, colorscale=DIVERGING)
        fig.data[0].update(zmin=-limit, zmax=limit, zmid=0.0,
                           contours=dict(start=-limit, end=limit, size=2 * limit / n_levels))
    else:
        fig = contour_figure(X, Y, Z, x_title=x_title, y_title=y_title, energy_title=value_title, title=title,
                             energy_max=value_max, n_levels=n_levels, colorscale=SEQUENTIAL)
    fig.data[0].hovertemplate = "%{x:.3f}, %{y:.3f}<br>%{z:.4g}<extra></extra>"
    if data_xy is not None and len(data_xy):
        data_xy = np.asarray(data_xy, dtype=float)
        near = np.ones(len(data_xy), dtype=bool) if data_near is None else np.asarray(data_near, dtype=bool)
        x0, x1, y0, y1 = float(X.min()), float(X.max()), float(Y.min()), float(Y.max())
        inside = (data_xy[:, 0] >= x0) & (data_xy[:, 0] <= x1) & (data_xy[:, 1] >= y0) & (data_xy[:, 1] <= y1)
        for mask, style, name in ((inside & ~near, DATA_FAR, "training data, away from the slice"),
                                  (inside & near, DATA_NEAR, "training data")):
            if mask.any():
                fig.add_trace(go.Scatter(x=data_xy[mask, 0], y=data_xy[mask, 1], mode="markers", marker=style,
                                         name=name, hoverinfo="skip"))
    if equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1.0, constrain="domain")
        fig.update_xaxes(constrain="domain")
    return fig



def error_vs_spread_figure(spread: np.ndarray, error: np.ndarray, covered: np.ndarray, *, unit: str,
                           title: str | None = None) -> go.Figure:
    """|model − reference| against the committee spread at every grid point (log-log), coloured by
    whether training data lie nearby: a useful uncertainty grows where the error grows."""
    spread = np.abs(np.asarray(spread, dtype=float).ravel())
    error = np.abs(np.asarray(error, dtype=float).ravel())
    covered = np.asarray(covered, dtype=bool).ravel()
    floor = 1e-3
    fig = go.Figure()
    for mask, name, color in ((covered, "data nearby", COLORS["train"]), (~covered, "beyond the data",
                                                                        COLORS["counterexample"])):
        if mask.any():
            fig.add_trace(go.Scatter(x=np.maximum(spread[mask], floor), y=np.maximum(error[mask], floor),
                                     mode="markers", name=name, marker=dict(color=color, size=7, opacity=0.7)))
    low = max(floor, float(min(spread.min(), error.min())))
    high = float(max(spread.max(), error.max(), low * 10))
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="|error| = spread",
                             line=dict(color=COLORS["reference"], dash="dot", width=1.5)))
    fig.update_layout(title=title, xaxis_title=f"Committee spread σ ({unit})",
                      yaxis_title=f"|model − reference| ({unit})", xaxis_type="log", yaxis_type="log",
                      legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"))
    return style_figure(fig)
