"""Figure builders for curves and 2-D surfaces: units on every axis, the right traces, honest clipping."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from nnpes_core.potentials import LEPS, MullerBrown, grid
from nnpes_core.potentials.survey import survey_stationary_points
from nnpes_core.viz import axes_without_units, axis_title
from nnpes_core.viz.curves import (
    BasisCurves, CurveMarker, CurveNote, basis_comparison_figure, energy_terms_figure, potential_curves_figure,
    state_name,
)
from nnpes_core.viz.surfaces import (
    Arrow, PointMarker, contour_figure, force_arrow, surface_figure, survey_markers,
)

TITLES = dict(x_title=axis_title("r_AB", "Å"), y_title=axis_title("r_BC", "Å"),
              energy_title=axis_title("Energy", "eV"))


@pytest.fixture(scope="module")
def leps_grid():
    return grid(LEPS(), n=40)


def curves(n_states=3):
    distances = np.linspace(0.3, 4.0, 30)
    ground = 4.7 * (np.exp(-3.9 * (distances - 0.74)) - 2 * np.exp(-1.95 * (distances - 0.74))) - 27.2
    energies = np.column_stack([ground + 12.0 * k for k in range(n_states)])
    return distances, energies


def test_state_names_use_subscripts():
    assert [state_name(k) for k in (0, 1, 12)] == ["E₀", "E₁", "E₁₂"]


def test_potential_curves_figure_has_one_trace_per_state_plus_hf_and_marker():
    distances, energies = curves()
    fig = potential_curves_figure(distances, energies, energies[:, 0] + 0.5,
                                  marker=CurveMarker(0.74, float(energies[10, 0]), "you"),
                                  notes=[CurveNote(1.0, -20.0, "look here")])
    names = [trace.name for trace in fig.data]
    assert names[:3] == ["FCI E₀ (ground state)", "FCI E₁", "FCI E₂"]
    assert "Hartree-Fock ground state" in names and "you" in names
    assert axes_without_units(fig) == []
    assert fig.layout.annotations[0].text == "look here"
    low, high = fig.layout.yaxis.range
    assert low < energies[:, 0].min() and high < energies.max()  # the short-range wall is cut off


def test_energy_terms_add_up_to_the_total():
    distances, energies = curves(1)
    nuclear = 14.4 / distances
    fig = energy_terms_figure(distances, energies[:, 0], nuclear, marker_distance=0.74)
    by_name = {trace.name.split(":")[0]: np.asarray(trace.y) for trace in fig.data}
    assert np.allclose(by_name["E_nuc(R)"] + by_name["E_el(R)"], by_name["E₀(R) = E_el + E_nuc"])
    assert axes_without_units(fig) == []


def test_basis_comparison_draws_fci_and_hf_per_basis_and_the_exact_minimum():
    distances, energies = curves(1)
    fig = basis_comparison_figure(
        [BasisCurves(label, distances, energies[:, 0] - shift, energies[:, 0] - shift + 1.0)
         for label, shift in (("STO-3G", 0.0), ("cc-pVDZ", 0.5))],
        exact_minimum=(0.741, -32.0))
    assert [trace.name for trace in fig.data] == [
        "FCI / STO-3G", "HF / STO-3G", "FCI / cc-pVDZ", "HF / cc-pVDZ", "exact minimum (complete basis)"]
    assert fig.layout.yaxis.range[0] < -32.0
    assert axes_without_units(fig) == []


def test_contour_figure_marks_points_draws_arrows_and_clips_high_energies(leps_grid):
    X, Y, E = leps_grid
    points = [PointMarker(0.915, 0.915, "saddle 1", "saddle", -4.517), PointMarker(2.0, 1.0, "you", "point", -4.0)]
    fig = contour_figure(X, Y, E, **TITLES, points=points, arrows=[Arrow(2.0, 1.0, 0.0, -0.3, "−∇E")],
                         energy_max=-2.0)
    contour = fig.data[0]
    assert isinstance(contour, go.Contour) and np.max(contour.z) == pytest.approx(-2.0)
    assert np.min(contour.z) == pytest.approx(E.min())
    assert {trace.name for trace in fig.data[1:]} == {"saddle point", "your point"}
    arrow, label = fig.layout.annotations
    assert (arrow.ax, arrow.ay, arrow.x, arrow.y) == pytest.approx((2.0, 1.0, 2.0, 0.7))
    assert label.text == "−∇E"
    assert contour.colorbar.title.text == "Energy (eV)"
    assert axes_without_units(fig) == []


def test_surface_figure_has_units_on_all_three_axes_and_points_on_the_surface(leps_grid):
    X, Y, E = leps_grid
    fig = surface_figure(X, Y, E, **TITLES, points=[PointMarker(0.915, 0.915, "saddle 1", "saddle", -4.517)],
                         energy_max=-2.0, camera_eye=(-1.1, -1.1, 1.3))
    assert axes_without_units(fig) == []
    assert np.nanmax(fig.data[0].z) == pytest.approx(-2.0)
    assert list(fig.data[1].z) == pytest.approx([-4.517])
    assert fig.layout.scene.camera.eye.x == pytest.approx(-1.1)
    hidden = surface_figure(X, Y, E, **TITLES, energy_max=-2.0, hide_above_max=True)
    assert np.isnan(np.asarray(hidden.data[0].z, dtype=float)).any()


def test_force_arrow_points_downhill_with_a_fixed_length():
    arrow = force_arrow(1.0, 2.0, [3.0, 4.0], length=0.5)
    assert (arrow.dx, arrow.dy) == pytest.approx((-0.3, -0.4))
    flat = force_arrow(1.0, 2.0, [0.0, 0.0], length=0.5)
    assert (flat.dx, flat.dy) == (0.0, 0.0)


def test_survey_markers_put_valleys_on_the_window_edge():
    leps = LEPS()
    markers = survey_markers(survey_stationary_points(leps), leps.x_range, leps.y_range, "r_AB", "r_BC")
    kinds = sorted(marker.kind for marker in markers)
    assert kinds == ["saddle", "valley", "valley"]
    for marker in markers:
        assert leps.x_range[0] <= marker.x <= leps.x_range[1] and leps.y_range[0] <= marker.y <= leps.y_range[1]
    mb = MullerBrown()
    assert len(survey_markers(survey_stationary_points(mb), mb.x_range, mb.y_range)) == 5
