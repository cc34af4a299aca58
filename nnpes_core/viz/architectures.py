"""Figures of lesson 3 (architectures): cutoffs, symmetry functions, spherical harmonics, cost, long range,
and width/depth scans. Every builder takes plain arrays and returns a plotly figure with units on every
axis (eV, Å, s; "dimensionless" where a quantity has none). The course style is applied where the figure
is shown (``ui.plot`` in the app, ``nnpes_core.viz.style_figure`` elsewhere), not twice.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, DIVERGING, PALETTE, axis_title


def _figure(x_title: str, y_title: str, title: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title)
    return fig


def cutoff_figure(distance: np.ndarray, curves: Mapping[str, np.ndarray], cutoff_radius: float,
                  neighbor_distances: Sequence[float] = (), neighbor_weights: Sequence[float] = ()) -> go.Figure:
    """Smooth cutoff functions f_c(r) against r (Å), r_c marked, and the chosen atom's neighbours as
    markers at (r_IJ, f_c(r_IJ)): how much each one counts."""
    fig = _figure(axis_title("Distance r", "Å"), axis_title("Cutoff function f_c(r)", "dimensionless"),
                  f"Smooth cutoffs, r_c = {cutoff_radius:.2f} Å")
    for (name, values), color in zip(curves.items(), PALETTE):
        fig.add_trace(go.Scatter(x=distance, y=values, mode="lines", name=name, line=dict(color=color)))
    if len(neighbor_distances):
        fig.add_trace(go.Scatter(x=list(neighbor_distances), y=list(neighbor_weights), mode="markers",
                                 name="neighbours of the chosen atom (cosine weight)",
                                 marker=dict(color=COLORS["highlight"], size=11, symbol="diamond")))
    fig.add_vline(x=cutoff_radius, line=dict(color="#444444", dash="dash"), annotation_text="r_c")
    fig.update_yaxes(range=[-0.05, 1.08])
    return fig


def line_figure(x: np.ndarray, curves: Mapping[str, np.ndarray], x_title: str, y_title: str,
                title: str | None = None, vline: float | None = None, vline_text: str = "") -> go.Figure:
    """Several curves against one x axis (titles built with ``axis_title``)."""
    fig = _figure(x_title, y_title, title)
    for (name, values), color in zip(curves.items(), PALETTE):
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=name, line=dict(color=color)))
    if vline is not None:
        fig.add_vline(x=vline, line=dict(color="#444444", dash="dash"), annotation_text=vline_text)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0))
    return fig


def fingerprint_heatmap(values: np.ndarray, atom_labels: Sequence[str], feature_labels: Sequence[str]) -> go.Figure:
    """The fingerprint of every atom as a heatmap: atoms down, symmetry functions across."""
    fig = _figure(axis_title("Symmetry function (entry of the fingerprint)", "index"),
                  axis_title("Atom", "index"), "Fingerprints G of each atom (raw values, dimensionless)")
    fig.add_trace(go.Heatmap(z=values, y=list(atom_labels), x=list(range(values.shape[1])),
                             customdata=np.broadcast_to(np.array(feature_labels, dtype=object), values.shape),
                             hovertemplate="%{y}<br>%{customdata}<br>G = %{z:.4g}<extra></extra>",
                             colorbar=dict(title="G")))
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def harmonic_figure(points: np.ndarray, values: np.ndarray, title: str, deform: bool = True) -> go.Figure:
    """A real spherical harmonic on the unit sphere: colour = Y (red +, blue −); with ``deform`` the
    radius is |Y|, the familiar lobes."""
    radius = np.abs(values) if deform else np.ones_like(values)
    xyz = points * radius[..., None]
    limit = float(np.max(np.abs(values))) or 1.0
    fig = go.Figure(go.Surface(x=xyz[..., 0], y=xyz[..., 1], z=xyz[..., 2], surfacecolor=values,
                               colorscale=DIVERGING, cmin=-limit, cmax=limit, colorbar=dict(title="Y"),
                               hovertemplate="Y = %{surfacecolor:.3f}<extra></extra>"))
    extent = max(float(np.max(np.abs(xyz))), 1e-3) * 1.1
    axis = dict(range=[-extent, extent], nticks=3)
    fig.update_layout(title=title, scene=dict(
        xaxis=dict(title=axis_title("x", "dimensionless"), **axis),
        yaxis=dict(title=axis_title("y", "dimensionless"), **axis),
        zaxis=dict(title=axis_title("z", "dimensionless"), **axis),
        aspectmode="cube", camera=dict(eye=dict(x=1.5, y=1.3, z=0.9))))
    return fig


def cost_figure(series: Sequence[tuple[str, np.ndarray, np.ndarray, float, float]], fit_from: float = 0) -> go.Figure:
    """Time of energy + forces against the number of atoms on log-log axes, with fitted power laws.

    ``series``: (label, n_atoms [k], seconds [k], slope, prefactor) per curve; each fit is drawn over
    the sizes it was fitted to (N >= ``fit_from``, or the two largest when fewer qualify)."""
    fig = _figure(axis_title("Number of atoms N", "atoms"), axis_title("Time per energy + forces", "s"),
                  "Cost of one evaluation (median of repeats)")
    for (label, n_atoms, seconds, slope, prefactor), color in zip(series, PALETTE):
        fig.add_trace(go.Scatter(x=n_atoms, y=seconds, mode="markers+lines", name=label,
                                 line=dict(color=color, width=1), marker=dict(color=color, size=9)))
        if np.isfinite(slope) and len(n_atoms) >= 2:
            fitted = np.sort(n_atoms)[-2:] if np.sum(n_atoms >= fit_from) < 2 else n_atoms[n_atoms >= fit_from]
            fit_n = np.geomspace(min(fitted), max(fitted), 30)
            fig.add_trace(go.Scatter(x=fit_n, y=prefactor * fit_n**slope, mode="lines",
                                     name=f"fit: time ∝ N^{slope:.2f}", line=dict(color=color, dash="dash")))
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return fig


def ion_pair_figure(distances: np.ndarray, reference: np.ndarray, coulomb: np.ndarray, model: np.ndarray,
                    cutoff_radius: float, train_distances: np.ndarray, train_energies: np.ndarray) -> go.Figure:
    """Na⁺ Cl⁻: reference (Coulomb + Born-Mayer), its Coulomb part and the local model against distance."""
    fig = _figure(axis_title("Ion-ion distance r", "Å"), axis_title("Interaction energy", "eV"),
                  f"Na⁺ Cl⁻ pulled apart: a local model with r_c = {cutoff_radius:g} Å")
    fig.add_trace(go.Scatter(x=distances, y=reference, mode="lines", name="reference: Coulomb + Born-Mayer",
                             line=dict(color=COLORS["reference"])))
    fig.add_trace(go.Scatter(x=distances, y=coulomb, mode="lines", name="Coulomb term −k/r alone",
                             line=dict(color=COLORS["reference"], dash="dot", width=1.5)))
    fig.add_trace(go.Scatter(x=train_distances, y=train_energies, mode="markers", name="training data",
                             marker=dict(color=COLORS["train"], size=7, symbol="circle-open")))
    fig.add_trace(go.Scatter(x=distances, y=model, mode="lines", name="local model (Behler-Parrinello)",
                             line=dict(color=COLORS["model"])))
    fig.add_vline(x=cutoff_radius, line=dict(color="#444444", dash="dash"), annotation_text="r_c")
    low = float(min(reference.min(), model.min()))
    fig.update_yaxes(range=[low - 0.4, 0.3])
    return fig


def width_depth_figure(widths: Sequence[int], depths: Sequence[int], test_rmse: np.ndarray,
                       energy_unit: str) -> go.Figure:
    """Held-out RMSE against width, one line per depth (log scales)."""
    fig = _figure(axis_title("Width (neurons per hidden layer)", "neurons"),
                  axis_title("Test RMSE", energy_unit), "Wider and deeper networks fit the surface better")
    for row, (depth, color) in enumerate(zip(depths, PALETTE)):
        fig.add_trace(go.Scatter(x=list(widths), y=test_rmse[row], mode="markers+lines",
                                 name=f"{depth} hidden layer{'s' if depth > 1 else ''}",
                                 line=dict(color=color), marker=dict(color=color, size=10)))
    fig.update_xaxes(type="log", tickvals=list(widths), ticktext=[str(w) for w in widths])
    fig.update_yaxes(type="log")
    return fig


def surface_comparison_figure(x: np.ndarray, y: np.ndarray, reference: np.ndarray, model: np.ndarray,
                              x_title: str, y_title: str, energy_unit: str, titles: Sequence[str]) -> go.Figure:
    """Reference and fitted surface side by side as contour maps on the same colour scale."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.1)
    low, high = float(np.nanmin(reference)), float(np.nanmax(reference))
    for column, values in enumerate((reference, model), start=1):
        fig.add_trace(go.Contour(x=x, y=y, z=values, zmin=low, zmax=high, ncontours=25,
                                 showscale=column == 2, colorbar=dict(title=energy_unit)), row=1, col=column)
        fig.update_xaxes(title_text=x_title, row=1, col=column)
        fig.update_yaxes(title_text=y_title, row=1, col=column)
    return fig
