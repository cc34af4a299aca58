"""Figures of lesson 8: every axis has a unit, the trajectory player works offline with its controls and
rejects frames that do not fit the molecule, and the 2-D path animates one marker along the path."""
from __future__ import annotations

import numpy as np
import pytest
from ase.build import molecule

from nnpes_core.potentials import MullerBrown, grid
from nnpes_core.viz.dynamics import (
    FrequencyMarks, SpectrumTrace, TotalEnergyTrace, add_path, autocorrelation_figure, deviation_figure,
    energy_figure, speed_histogram_figure, spectrum_figure, temperature_figure, timestep_figure, total_energy_figure,
)
from nnpes_core.viz.molecule import trajectory_player_html
from nnpes_core.viz.style import axes_without_units
from nnpes_core.viz.surfaces import contour_figure


def test_every_dynamics_figure_has_units_on_its_axes():
    t = np.linspace(0, 100, 51)
    figures = [
        energy_figure(t, -np.cos(t) * 0.1, 0.1 + 0.1 * np.cos(t)),
        total_energy_figure([TotalEnergyTrace("bp", t, 1e-4 * np.sin(t), "#000")]),
        timestep_figure(np.array([0.1, 0.2, 0.4, 4.0]), np.array([1e-5, 4e-5, 1.6e-4, np.nan]), 2.0, failed=[4.0]),
        temperature_figure(t, 300 + 30 * np.sin(t), 300.0),
        speed_histogram_figure({"H": np.abs(np.random.default_rng(0).normal(0, 0.02, 500))},
                               {"H": (np.linspace(0, 0.1, 10), np.ones(10))}),
        autocorrelation_figure(t, np.cos(t), np.ones_like(t)),
        spectrum_figure([SpectrumTrace("VDOS", np.linspace(0, 5000, 100), np.ones(100), "#000")],
                        [FrequencyMarks("B3LYP", [1711, 3721, 3845], "#000")], nyquist_cm=3336.0),
        deviation_figure(t, np.full_like(t, 0.01), np.zeros_like(t)),
    ]
    for figure in figures:
        assert axes_without_units(figure) == []


def test_timestep_figure_fits_the_line_through_the_points_that_did_not_blow_up():
    figure = timestep_figure(np.array([0.1, 0.2, 0.4, 4.0]), np.array([1e-5, 4e-5, 1.6e-4, np.nan]), 2.0,
                             failed=[4.0])
    names = [trace.name for trace in figure.data]
    assert "fit: slope 2.00" in names and "blew up" in names
    measured = figure.data[0]
    np.testing.assert_allclose(measured.y, [1e-2, 4e-2, 0.16])  # meV


def test_trajectory_player_is_offline_and_has_its_controls():
    atoms = molecule("H2O")
    frames = np.stack([atoms.positions + 0.01 * k for k in range(5)])
    html = trajectory_player_html(atoms, frames, time_fs=np.arange(5) * 0.5, forces=np.ones_like(frames))
    assert "://" not in html and "/app/static/3Dmol-min.js" in html
    for control in ("nnpes-play", "nnpes-frame", "nnpes-speed", "nnpes-forces", "nnpes-time"):
        assert f'id="{control}"' in html
    without_forces = trajectory_player_html(atoms, frames)
    assert 'id="nnpes-forces"' not in without_forces
    with pytest.raises(ValueError, match="shape"):
        trajectory_player_html(atoms, frames[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        trajectory_player_html(atoms, np.full_like(frames, np.nan))


def test_path_on_the_contour_map_animates_one_marker():
    surface = MullerBrown()
    X, Y, E = grid(surface, n=20)
    figure = contour_figure(X, Y, E, x_title="x (a.u.)", y_title="y (a.u.)", energy_title="E (a.u.)",
                            energy_max=surface.plot_energy_max)
    path = np.stack([np.linspace(-0.5, 0.5, 30), np.linspace(1.4, 0.1, 30)], axis=1)
    add_path(figure, path)
    assert len(figure.frames) == 30 and figure.layout.updatemenus and figure.layout.sliders
    assert figure.frames[7].data[0].x == (path[7, 0],)
