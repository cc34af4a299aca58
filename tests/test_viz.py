"""Figures: one style with units on every axis, and a 3-D viewer that never needs the network."""
from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
from ase.build import molecule

from nnpes_core.viz import axes_without_units, axis_title, molecule_html, new_figure, style_figure
from nnpes_core.viz.molecule import SCRIPT_URL, trajectory_from_mode, value_colors


@pytest.fixture
def water():
    return molecule("H2O")


def test_the_viewer_loads_3dmol_from_the_app_and_nothing_from_a_cdn(water):
    html = molecule_html(water, forces=np.ones((3, 3)), atom_values=[0.1, 0.2, 0.3], cutoff_sphere=(0, 2.0),
                         labels=True, frames=trajectory_from_mode(water, np.eye(3)))
    assert SCRIPT_URL in html
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+/", html) == []
    assert "cdn" not in html.lower()


def test_the_same_molecule_gives_the_same_html(water):
    assert molecule_html(water) == molecule_html(water)


def test_viewer_draws_one_arrow_per_atom_and_set(water):
    html = molecule_html(water, forces=np.ones((3, 3)), forces_2=-np.ones((3, 3)))
    assert html.count("addArrow(") == 6


def test_atom_values_colour_the_atoms_and_add_a_colour_bar(water):
    html = molecule_html(water, atom_values=[-1.0, 0.0, 1.0], value_label="Atomic energy (eV)")
    for color in value_colors([-1.0, 0.0, 1.0]):
        assert color in html
    assert "Atomic energy (eV)" in html and "linear-gradient" in html


def test_frames_become_a_multi_model_animation(water):
    frames = trajectory_from_mode(water, np.eye(3), amplitude=0.2, n_frames=8)
    assert frames.shape == (8, 3, 3)
    displacement = np.linalg.norm(frames - water.positions, axis=2).max()
    assert displacement == pytest.approx(0.2, rel=1e-6)
    html = molecule_html(water, frames=frames)
    assert "addModelsAsFrames(" in html and "animate(" in html


def test_wrong_shapes_are_clear_errors(water):
    with pytest.raises(ValueError, match="one value per atom"):
        molecule_html(water, atom_values=[1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        molecule_html(water, forces=np.ones((2, 3)))


def test_styled_figures_have_units_on_their_axes():
    fig = new_figure(axis_title("Distance R", "Å"), axis_title("Energy", "eV"))
    fig.add_trace(go.Scatter(x=[1, 2], y=[0, 1]))
    assert axes_without_units(fig) == []
    bare = go.Figure(go.Scatter(x=[1, 2], y=[0, 1]))
    bare.update_layout(xaxis_title="R")
    assert axes_without_units(bare) == ["xaxis: 'R'", "yaxis: None"]
    surface = go.Figure(go.Surface(z=np.zeros((2, 2))))
    assert len(axes_without_units(surface)) == 3


def test_lecture_mode_makes_fonts_and_lines_larger():
    normal = style_figure(go.Figure(go.Scatter(x=[0, 1], y=[0, 1], line=dict(width=1))))
    lecture = style_figure(go.Figure(go.Scatter(x=[0, 1], y=[0, 1], line=dict(width=1))), lecture=True)
    assert lecture.layout.template.layout.font.size > normal.layout.template.layout.font.size
    assert lecture.layout.height > normal.layout.height
    assert lecture.data[0].line.width > 1
