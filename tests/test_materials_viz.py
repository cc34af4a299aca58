"""Figures of the materials lesson: units on every axis, the reference drawn in black, and a supercell
viewer that draws the cell's 12 edges from the app's own 3Dmol.js (no network)."""
from __future__ import annotations

import numpy as np
from ase.calculators.emt import EMT

from nnpes_core.materials import equation_of_state, fcc_supercell, radial_distribution
from nnpes_core.viz.materials import (
    _cell_edges, eos_figure, property_error_figure, rdf_figure, supercell_html, temperature_figure,
)
from nnpes_core.viz.style import COLORS, axes_without_units


def test_eos_figure_shows_points_fit_and_minimum_with_units():
    fig = eos_figure({"EMT": equation_of_state(EMT(), "Cu", 3.59, n_points=7)})
    assert axes_without_units(fig) == []
    points, curve, minimum = fig.data
    assert len(points.x) == 7 and len(curve.x) == 200
    assert curve.line.color == COLORS["reference"]
    assert "a0 = 3.590 Å" in curve.name and "B = 134 GPa" in curve.name
    assert minimum.y[0] == min(curve.y) or minimum.y[0] <= min(curve.y) + 1e-6


def test_other_figures_have_units_on_every_axis():
    r, g = radial_distribution(fcc_supercell("Cu", 2, 3.59), r_max=4.0, n_bins=40)
    rows = [{"property": "vacancy (eV)", "EMT": 1.2, "model": 1.1, "model error": -0.1}]
    figures = [rdf_figure({"EMT 300 K": (r, g), "cu_bp 300 K": (r, g)}, shells=[2.54]),
               property_error_figure(rows, ["model"]),
               temperature_figure({"cu_bp 300 K": (np.arange(3.0), np.array([290.0, 300.0, 310.0]))})]
    for fig in figures:
        assert axes_without_units(fig) == []
    assert figures[0].data[0].line.dash == "dash"  # the reference, dashed
    assert figures[1].data[0].y[0] == -100 * 0.1 / 1.2  # per cent of the reference


def test_cell_has_twelve_edges_of_the_lattice_vector_lengths():
    cell = np.diag([3.0, 4.0, 5.0])
    lengths = sorted(round(float(np.linalg.norm(end - start)), 6) for start, end in _cell_edges(cell))
    assert lengths == [3.0] * 4 + [4.0] * 4 + [5.0] * 4


def test_supercell_viewer_is_offline_and_marks_the_vacancy():
    html = supercell_html(fcc_supercell("Cu", 2), highlight=[1, 2], vacancy_sites=np.zeros(3))
    assert "/app/static/3Dmol-min.js" in html and "://" not in html
    assert html.count("addCylinder") == 12 and html.count("addSphere") == 1
