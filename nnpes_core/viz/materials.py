"""Figures of the materials lesson: equation of state, g(r), defect errors, cost against N, and a 3-D
view of a periodic supercell with its cell drawn.

Builders take plain results (``nnpes_core.materials``) and return plotly figures or HTML; the
reference (EMT) is always black, models take the palette's colours.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import py3Dmol
from ase import Atoms

from nnpes_core.materials.eos import EOSResult
from nnpes_core.viz.molecule import SCRIPT_URL, _xyz
from nnpes_core.viz.style import COLORS, PALETTE, axis_title, new_figure


def _color(name: str, index: int, reference: str) -> str:
    return COLORS["reference"] if name == reference else PALETTE[index % len(PALETTE)]


def eos_figure(results: Mapping[str, EOSResult], reference: str = "EMT") -> go.Figure:
    """Energy per atom against volume per atom: computed points and fitted Birch-Murnaghan curves,
    with each potential's minimum (V0, a0) marked."""
    fig = new_figure(axis_title("Volume per atom V", "Å³"), axis_title("Energy per atom E", "eV"),
                     "Equation of state: energy against volume")
    for index, (name, eos) in enumerate(results.items()):
        color = _color(name, index, reference)
        dense = np.linspace(eos.volumes.min(), eos.volumes.max(), 200)
        fig.add_trace(go.Scatter(x=eos.volumes, y=eos.energies, mode="markers", name=f"{name}: computed",
                                 marker=dict(color=color, symbol="circle" if name == reference else "diamond")))
        fig.add_trace(go.Scatter(x=dense, y=eos.curve(dense), mode="lines", line=dict(color=color),
                                 name=f"{name}: a0 = {eos.lattice_constant:.3f} Å, B = {eos.bulk_modulus_gpa:.0f} GPa"))
        fig.add_trace(go.Scatter(x=[eos.volume], y=[eos.energy], mode="markers", showlegend=False,
                                 marker=dict(color=color, symbol="x", size=12),
                                 hovertemplate=f"{name} minimum<br>V0 = %{{x:.3f}} Å³<br>E0 = %{{y:.4f}} eV"))
    return fig


def rdf_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], shells: Sequence[float] = (),
               reference_prefix: str = "EMT") -> go.Figure:
    """g(r) curves by label (dashed black for those whose label starts with ``reference_prefix``),
    with the perfect-lattice neighbour distances ``shells`` (Å) as thin vertical lines."""
    fig = new_figure(axis_title("Distance r", "Å"), axis_title("g(r)", "dimensionless"),
                     "Radial distribution function")
    for index, (label, (r, g)) in enumerate(curves.items()):
        reference = label.startswith(reference_prefix)
        fig.add_trace(go.Scatter(x=r, y=g, mode="lines", name=label,
                                 line=dict(color=PALETTE[index % len(PALETTE)],
                                           dash="dash" if reference else "solid")))
    for distance in shells:
        fig.add_vline(x=float(distance), line=dict(color="#999999", width=1, dash="dot"))
    return fig


def property_error_figure(rows: Sequence[Mapping], models: Sequence[str], reference: str = "EMT",
                          quantities: Sequence[str] | None = None) -> go.Figure:
    """Relative error (%) of each model on each property, as grouped bars (zero = the reference)."""
    rows = [row for row in rows if quantities is None or row["property"] in quantities]
    labels = [row["property"] for row in rows]
    fig = new_figure(axis_title("Property", f"each relative to {reference}"), axis_title("Error against " + reference, "%"),
                     "How far each model is from the reference")
    for index, model in enumerate(models):
        errors = [100.0 * row[f"{model} error"] / abs(row[reference]) if f"{model} error" in row else None
                  for row in rows]
        fig.add_trace(go.Bar(x=labels, y=errors, name=model, marker_color=PALETTE[index % len(PALETTE)],
                             hovertemplate="%{x}: %{y:+.1f} %<extra>" + model + "</extra>"))
    fig.update_layout(barmode="group")
    fig.add_hline(y=0.0, line=dict(color=COLORS["reference"], width=1))
    return fig


def temperature_figure(runs: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> go.Figure:
    """Instantaneous temperature against time for MD runs by label (time in fs, T in K)."""
    fig = new_figure(axis_title("Time", "fs"), axis_title("Temperature", "K"), "Langevin MD: temperature")
    for index, (label, (time_fs, temperature)) in enumerate(runs.items()):
        fig.add_trace(go.Scatter(x=time_fs, y=temperature, mode="lines", name=label,
                                 line=dict(color=PALETTE[index % len(PALETTE)])))
    return fig


def _cell_edges(cell: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The 12 edges of the parallelepiped spanned by the rows of ``cell`` (Å)."""
    corners = {(i, j, k): i * cell[0] + j * cell[1] + k * cell[2] for i in (0, 1) for j in (0, 1) for k in (0, 1)}
    edges = []
    for (i, j, k), start in corners.items():
        for axis in range(3):
            step = [i, j, k]
            if step[axis] == 0:
                step[axis] = 1
                edges.append((start, corners[tuple(step)]))
    return edges


def supercell_html(atoms: Atoms, *, height: int = 400, highlight: Sequence[int] = (), vacancy_sites: np.ndarray | None = None,
                   script_url: str = SCRIPT_URL) -> str:
    """HTML that draws a periodic supercell in 3-D with its cell as black edges (drag to rotate).

    ``highlight``: indices of atoms drawn in the highlight colour (e.g. the neighbours of a vacancy);
    ``vacancy_sites`` [k, 3] Å: empty lattice sites, drawn as translucent spheres.
    The script comes from the app's own static folder, never a CDN."""
    view = py3Dmol.view(width="100%", height=height, js=script_url)
    view.setBackgroundColor("white")
    view.addModel(_xyz(atoms), "xyz")
    view.setStyle({}, {"sphere": {"scale": 0.3, "color": "#B87333"}, "stick": {"radius": 0.08, "color": "#B87333"}})
    for index in highlight:
        view.setStyle({"index": int(index)}, {"sphere": {"scale": 0.34, "color": COLORS["model"]},
                                              "stick": {"radius": 0.08, "color": "#B87333"}})
    for site in ([] if vacancy_sites is None else np.atleast_2d(vacancy_sites)):
        view.addSphere({"center": {"x": float(site[0]), "y": float(site[1]), "z": float(site[2])},
                        "radius": 0.8, "color": COLORS["highlight"], "opacity": 0.45})
    for start, end in _cell_edges(np.asarray(atoms.cell.array)):
        view.addCylinder({"start": dict(zip("xyz", map(float, start))), "end": dict(zip("xyz", map(float, end))),
                          "radius": 0.04, "color": "black", "fromCap": 1, "toCap": 1})
    view.zoomTo()
    body = view._make_html().replace(view.uniqueid, "nnpes")  # stable HTML: no reload on a rerun
    if script_url not in body or "://" in body:
        raise RuntimeError("py3Dmol did not use the local 3Dmol.js; the viewer would need the network")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
            f"<body style='margin:0;padding:0;overflow:hidden;background:white;'>{body}</body></html>")
