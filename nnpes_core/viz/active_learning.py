"""Figures of lesson 9 (active learning): learning curves, spread against error, picks on a 2-D map,
wasted labels, and the stopping rule. Plain arrays in, plotly figures out (no Streamlit)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnpes_core.viz.style import COLORS, PALETTE, SEQUENTIAL, axis_title, style_figure
from nnpes_core.viz.surfaces import contour_figure

LABELS_TITLE = axis_title("Labelled structures", "count")
STRATEGY_COLORS = {"uncertainty": COLORS["model"], "random": COLORS["counterexample"]}
KIND_COLORS = {"bp": COLORS["model"], "equivariant": COLORS["train"], "cartesian": COLORS["counterexample"]}


@dataclass
class Curve:
    """One learning curve: error against labels, optionally with a band (e.g. min-max over seeds)."""

    name: str
    labels: Sequence[float]
    values: Sequence[float]
    color: str | None = None
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    dash: str | None = None


def learning_curve_figure(curves: Sequence[Curve], *, y_title: str, target: float | None = None,
                          title: str | None = None, log_x: bool = False) -> go.Figure:
    """Test error against the number of labels (log y), one line per curve, bands shaded; ``target``: a
    horizontal dotted line (e.g. 10 meV/Å)."""
    fig = go.Figure()
    for index, curve in enumerate(curves):
        color = curve.color or PALETTE[index % len(PALETTE)]
        if curve.low is not None and curve.high is not None:
            x = list(curve.labels) + list(curve.labels)[::-1]
            y = list(curve.high) + list(curve.low)[::-1]
            fig.add_trace(go.Scatter(x=x, y=y, fill="toself", fillcolor=_transparent(color, 0.15),
                                     line=dict(width=0), hoverinfo="skip", showlegend=False, name=f"{curve.name} range"))
        fig.add_trace(go.Scatter(x=list(curve.labels), y=list(curve.values), mode="lines+markers", name=curve.name,
                                 line=dict(color=color, dash=curve.dash),
                                 hovertemplate="%{x} labels: %{y:.3g}<extra>" + curve.name + "</extra>"))
    if target is not None:
        fig.add_hline(y=target, line=dict(color=COLORS["reference"], dash="dot", width=1.5),
                      annotation_text=f"target {target:g}", annotation_position="top right")
    fig.update_layout(title=title, xaxis_title=LABELS_TITLE, yaxis_title=y_title, yaxis_type="log",
                      xaxis_type="log" if log_x else "linear",
                      legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"))
    return style_figure(fig)


def _transparent(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    red, green, blue = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def spread_error_figure(spread: np.ndarray, error: np.ndarray, *, unit: str, rho: float,
                        groups: np.ndarray | None = None, group_name: str = "", title: str | None = None
                        ) -> go.Figure:
    """True error against committee spread (log-log), one point per structure (or atom), coloured by
    ``groups`` (e.g. sampling temperature), with Spearman's rho in the title and the line error = spread."""
    spread, error = np.asarray(spread, float).ravel(), np.asarray(error, float).ravel()
    floor = max(1e-6, 1e-3 * float(np.median(np.abs(error)) or 1.0))
    groups = np.zeros(len(spread)) if groups is None else np.asarray(groups).ravel()
    fig = go.Figure()
    for index, group in enumerate(np.unique(groups)):
        mask = groups == group
        name = f"{group:g} {group_name}".strip() if isinstance(group, (int, float, np.number)) else str(group)
        fig.add_trace(go.Scatter(x=np.maximum(spread[mask], floor), y=np.maximum(error[mask], floor), mode="markers",
                                 name=name if len(np.unique(groups)) > 1 else "structures",
                                 marker=dict(color=PALETTE[index % len(PALETTE)], size=7, opacity=0.7)))
    low = max(floor, float(min(spread.min(), error.min())))
    high = float(max(spread.max(), error.max(), 10 * low))
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="error = spread",
                             line=dict(color=COLORS["reference"], dash="dot", width=1.5)))
    heading = f"Spearman ρ = {rho:.2f}" if np.isfinite(rho) else "Spearman ρ undefined"
    fig.update_layout(title=f"{title}: {heading}" if title else heading,
                      xaxis_title=axis_title("Committee force spread σ", unit),
                      yaxis_title=axis_title("True force error", unit), xaxis_type="log", yaxis_type="log",
                      legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"))
    return style_figure(fig)


def picks_on_surface_figure(x: np.ndarray, y: np.ndarray, energy: np.ndarray, start_xy: np.ndarray,
                            picks: Sequence[np.ndarray], *, energy_title: str, x_title: str, y_title: str,
                            energy_max: float | None = None, title: str | None = None,
                            pool_xy: np.ndarray | None = None) -> go.Figure:
    """Contour map of a 2-D surface with the start points (white squares) and each round's picks,
    coloured by round (early: dark, late: bright); ``pool_xy``: the candidates, faint."""
    X, Y = np.meshgrid(x, y)
    fig = contour_figure(X, Y, energy, x_title=x_title, y_title=y_title, energy_title=energy_title, title=title,
                         energy_max=energy_max, colorscale="Greys")
    fig.data[0].update(showscale=False, opacity=0.6)
    if pool_xy is not None and len(pool_xy):
        fig.add_trace(go.Scatter(x=pool_xy[:, 0], y=pool_xy[:, 1], mode="markers", name="pool",
                                 marker=dict(color="rgba(80,80,80,0.25)", size=4), hoverinfo="skip"))
    start_xy = np.asarray(start_xy, float).reshape(-1, 2)
    fig.add_trace(go.Scatter(x=start_xy[:, 0], y=start_xy[:, 1], mode="markers", name="start",
                             marker=dict(symbol="square", size=11, color="white", line=dict(color="black", width=2))))
    rounds = [np.asarray(p, float).reshape(-1, 2) for p in picks if len(p)]
    if rounds:
        xy = np.concatenate(rounds)
        which = np.concatenate([np.full(len(p), r + 1) for r, p in enumerate(rounds)])
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", name="picked (colour: round)",
                                 marker=dict(color=which, colorscale=SEQUENTIAL, cmin=1, cmax=max(len(rounds), 2),
                                             size=10, line=dict(color="black", width=1),
                                             colorbar=dict(title=dict(text=axis_title("round", "count")))),
                                 hovertemplate="round %{marker.color}<br>x = %{x:.2f}, y = %{y:.2f}<extra></extra>"))
    fig.update_layout(legend=dict(orientation="h", x=0.0, y=-0.18, yanchor="top"))
    return style_figure(fig)


def wasted_labels_figure(results: Mapping[str, object], *, unit: str = "meV/Å", scale: float = 1000.0
                         ) -> go.Figure:
    """Left: each structure's spread on its rigid copy against the original (on the diagonal: the copy
    looks known). Right: the k picks split into copies of known structures (wasted) and new ones.
    ``results``: kind -> ``invariance.WastedLabels``; spreads in eV/Å times ``scale``."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.16,
                        subplot_titles=("Copy vs original", "Where the labels go"))
    spreads = []
    for kind, result in results.items():
        color = KIND_COLORS.get(kind, PALETTE[len(spreads) % len(PALETTE)])
        known, copies = scale * result.spread_known, scale * result.spread_copies
        spreads += [known, copies]
        fig.add_trace(go.Scatter(x=known, y=copies, mode="markers", name=kind, legendgroup=kind,
                                 marker=dict(color=color, size=8, opacity=0.8)), row=1, col=1)
    values = np.concatenate(spreads) if spreads else np.array([1.0])
    low, high = float(values[values > 0].min()) * 0.8, float(values.max()) * 1.2
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="same spread",
                             line=dict(color=COLORS["reference"], dash="dot", width=1.5)), row=1, col=1)
    kinds = list(results)
    wasted = [results[k].wasted for k in kinds]
    new = [results[k].k - results[k].wasted for k in kinds]
    fig.add_trace(go.Bar(x=kinds, y=new, name="new structures", marker_color=COLORS["train"]), row=1, col=2)
    fig.add_trace(go.Bar(x=kinds, y=wasted, name="copies (wasted)", marker_color=COLORS["counterexample"],
                         text=[f"{w} wasted" for w in wasted], textposition="inside"), row=1, col=2)
    fig.update_layout(barmode="stack", legend=dict(orientation="h", x=0.0, y=-0.22, yanchor="top"))
    fig.update_xaxes(title_text=axis_title("σ on the known structure", unit), type="log", row=1, col=1)
    fig.update_yaxes(title_text=axis_title("σ on its rotated, shifted copy", unit), type="log", row=1, col=1)
    fig.update_xaxes(title_text=axis_title("committee", "model kind"), row=1, col=2)
    fig.update_yaxes(title_text=axis_title("labels", "count"), row=1, col=2)
    return style_figure(fig)


def stopping_figure(labels: Sequence[int], max_spread: Sequence[float], error: Sequence[float], threshold: float,
                    stop_labels: int | None, *, spread_unit: str, error_title: str, title: str | None = None
                    ) -> go.Figure:
    """Top: the largest candidate spread per round with the threshold; bottom: the test error; a vertical
    line where the rule "stop when max spread < threshold" ends the loop."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    spread = np.asarray(max_spread, dtype=float)
    finite = np.isfinite(spread)
    fig.add_trace(go.Scatter(x=np.asarray(labels)[finite], y=spread[finite], mode="lines+markers",
                             name="largest candidate spread", line=dict(color=COLORS["model"])), row=1, col=1)
    fig.add_hline(y=threshold, line=dict(color=COLORS["highlight"], dash="dash"), row=1, col=1,
                  annotation_text=f"threshold {threshold:g}", annotation_position="top right")
    fig.add_trace(go.Scatter(x=list(labels), y=list(error), mode="lines+markers", name="test error",
                             line=dict(color=COLORS["reference"])), row=2, col=1)
    if stop_labels is not None:
        fig.add_vline(x=stop_labels, line=dict(color=COLORS["highlight"], width=2), annotation_text="stop")
    fig.update_yaxes(title_text=axis_title("max σ", spread_unit), type="log", row=1, col=1)
    fig.update_yaxes(title_text=error_title, type="log", row=2, col=1)
    fig.update_xaxes(title_text=LABELS_TITLE, row=2, col=1)
    fig.update_xaxes(title_text=LABELS_TITLE, row=1, col=1, showticklabels=False)
    fig.update_layout(title=title, legend=dict(orientation="h", x=0.0, y=-0.15, yanchor="top"))
    return style_figure(fig)
