"""Figures of the symmetry lesson: symmetry error against data augmentation, Hessian blocks before and
after a rotation. Built from plain numbers and arrays (see ``analysis.augmentation_study`` and
``analysis.symmetry``)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from ase import Atoms
from plotly.subplots import make_subplots

from nnpes_core.viz.style import COLORS, DIVERGING, PALETTE, axis_title, style_figure


def _floor_value(value: float, resolution: float) -> tuple[float, str]:
    """A value to draw on a log axis: exact zeros are drawn at the round-off level and say so."""
    if value > 0:
        return value, f"{value:.1e}"
    return resolution, f"0 exactly (drawn at {resolution:.0e})"


def augmentation_figure(
    rotation_counts: Sequence[int],
    energy_errors_ev: Sequence[float],
    force_errors_ev_per_a: Sequence[float],
    floors: Mapping[str, tuple[float, float]],
    energy_resolution_ev: float,
    force_resolution_ev_per_a: float = 1e-9,
    precision: str = "float32",
) -> go.Figure:
    """Mean symmetry error of the Cartesian MLP against the rotations per training structure (log scale),
    with the models that have the symmetry built in as floor lines.

    ``floors``: name -> (energy error eV, force error eV/Å) measured on the same rotated structures.
    ``energy_resolution_ev``: the spacing of ``precision`` numbers at the size of the energies, drawn
    as a dotted line (an energy difference below it is rounded away). Exact zeros are drawn at the
    resolution and labelled as zeros.
    """
    labels = [str(n) for n in rotation_counts]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        "Energy invariance: mean |E(QR) − E(R)|", "Force equivariance: mean |F(QR) − Q F(R)|"))
    panels = ((energy_errors_ev, 0, energy_resolution_ev, "eV"), (force_errors_ev_per_a, 1, force_resolution_ev_per_a,
                                                                  "eV/Å"))
    for values, column, resolution, unit in panels:
        show = column == 0
        fig.add_trace(go.Scatter(
            x=labels, y=[max(v, resolution) for v in values], mode="lines+markers+text", name="Cartesian MLP",
            text=[f"{v:.2g}" for v in values], showlegend=show,
            textposition=["top right"] * (len(values) - 1) + ["top left"],  # the last label stays inside
            line=dict(color=COLORS["counterexample"]), marker=dict(size=11), legendgroup="cartesian",
            hovertemplate=f"%{{x}} rotations: %{{y:.3g}} {unit}<extra>Cartesian MLP</extra>"), row=1, col=column + 1)
        for index, (name, errors) in enumerate(floors.items()):
            value, text = _floor_value(errors[column], resolution)
            fig.add_trace(go.Scatter(
                x=labels, y=[value] * len(labels), mode="lines", name=f"{name} (symmetry built in)",
                line=dict(color=PALETTE[[0, 2, 3, 5][index % 4]], dash="dash"), showlegend=show,
                legendgroup=name, hovertemplate=f"{name}: {text} {unit}<extra></extra>"), row=1, col=column + 1)
        zeros = [name for name, errors in floors.items() if errors[column] == 0]
        if zeros:
            # x in the panel's domain: a category axis would read a label like "10" as a position
            fig.add_annotation(x=0.5, xref="x domain", y=np.log10(resolution), yshift=14, showarrow=False,
                               text="symmetry built in: 0 exactly", row=1, col=column + 1,
                               font=dict(color=COLORS["model"]))
        if column == 0:
            fig.add_trace(go.Scatter(
                x=labels, y=[resolution] * len(labels), mode="lines", name=f"{precision} resolution of E",
                line=dict(color="#777777", dash="dot"),
                hovertemplate=f"spacing of {precision} numbers at |E|: %{{y:.1e}} eV<extra></extra>"), row=1, col=1)
        fig.update_yaxes(type="log", exponentformat="power", row=1, col=column + 1,
                         title_text=axis_title("Mean error", unit))
        fig.update_xaxes(type="category", row=1, col=column + 1,
                         title_text=axis_title("Rotations per training structure", "count"))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.25, x=0.0))
    return style_figure(fig)


def hessian_blocks_figure(blocks: Sequence[tuple[str, np.ndarray]], atom_i: str, atom_j: str,
                          difference: tuple[str, np.ndarray] | None = None) -> go.Figure:
    """3x3 Hessian blocks H_IJ (eV/Å²) side by side as annotated heatmaps on one colour scale, and
    optionally their difference on its own scale (it is round-off for an equivariant model).

    Rows are the x, y, z components of R_I, columns those of R_J; the numbers are written in the cells.
    Only the first panel shows its y axis (the rows are the same in every panel).
    """
    panels = list(blocks) + ([difference] if difference is not None else [])
    fig = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.04,
                        subplot_titles=[title for title, _ in panels])
    limit = max(float(np.abs(block).max()) for _, block in blocks) or 1.0
    directions = ["x", "y", "z"]
    for column, (title, block) in enumerate(panels, start=1):
        block = np.asarray(block, dtype=float)
        is_difference = difference is not None and column == len(panels)
        shown = block if is_difference else np.where(np.abs(block) < 5e-3, 0.0, block)  # no "-0.00"
        scale = (float(np.abs(block).max()) or 1e-30) if is_difference else limit
        fig.add_trace(go.Heatmap(
            z=block, x=directions, y=directions, colorscale=DIVERGING, zmin=-scale, zmax=scale, showscale=False,
            text=[[f"{v:.1e}" if is_difference else f"{v:.2f}" for v in row] for row in shown],
            texttemplate="%{text}", textfont=dict(size=14),
            hovertemplate=f"{title}<br>R_{atom_i} %{{y}}, R_{atom_j} %{{x}}: %{{z:.4g}} eV/Å²<extra></extra>"),
            row=1, col=column)
        fig.update_xaxes(title_text=axis_title(f"R_{atom_j}", "Å"), row=1, col=column)  # short: four panels
        fig.update_yaxes(title_text=axis_title(f"R_{atom_i} component", "Å"), autorange="reversed",
                         visible=column == 1, row=1, col=column)
    return style_figure(fig, height=340)


def face_on_view(atoms: Atoms) -> np.ndarray:
    """A rotation D [3, 3] that turns ``atoms`` to face the viewer: its flattest direction (smallest spread
    of the centred positions) becomes the viewing axis z, its longest direction the screen's x.

    The 3-D viewer looks along z, so a planar molecule lying in another plane (water in the yz plane)
    would be seen edge-on. Apply the same D to every structure and arrow shown side by side: it is a
    camera, not a change of the molecule."""
    positions = atoms.get_positions() - atoms.get_positions().mean(axis=0)
    _, axes = np.linalg.eigh(positions.T @ positions)  # columns, by increasing spread
    longest, normal = axes[:, 2], axes[:, 0]
    for vector in (longest, normal):  # a deterministic sign: first clearly non-zero component positive
        if vector[np.argmax(np.abs(vector) > 1e-8)] < 0:
            vector *= -1
    return np.array([longest, np.cross(normal, longest), normal])  # rows: screen x, y, viewing axis


def viewed(atoms: Atoms, view: np.ndarray) -> Atoms:
    """A copy of ``atoms`` seen through the camera rotation ``view`` (positions R -> D R)."""
    turned = Atoms(atoms.get_chemical_symbols(), positions=atoms.get_positions() @ np.asarray(view).T)
    return turned
