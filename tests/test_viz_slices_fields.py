"""Figures of lessons 5 and 6: scans, slice maps with the training data, force arrows, curl and energy
plots — units on every axis, the data drawn where they are, arrows along the force."""
from __future__ import annotations

import numpy as np

from nnpes_core.viz import axes_without_units, axis_title
from nnpes_core.viz.fields import (
    ArrowField, EnergyTrace, arrow_segments, curl_figure, energy_change_figure, loop_work_figure, quiver_figure,
)
from nnpes_core.viz.slices import ScanCurve, error_vs_spread_figure, scan_figure, slice_map

X, Y = np.meshgrid(np.linspace(0.8, 1.2, 5), np.linspace(0.8, 1.2, 4))
TITLES = dict(x_title=axis_title("r₁", "Å"), y_title=axis_title("r₂", "Å"))


def test_scan_figure_draws_reference_models_band_and_data_rug_with_units():
    x = np.linspace(0.7, 1.5, 9)
    curves = [ScanCurve("bp", (x - 1) ** 2 * 1.1), ScanCurve("committee", x * 0, x * 0 + 0.1)]
    fig = scan_figure(x, (x - 1) ** 2, curves, x_title=axis_title("r", "Å"), energy_title=axis_title("E", "eV"), data_x=np.array([0.9, 1.0]))
    assert axes_without_units(fig) == []
    names = [trace.name for trace in fig.data]
    assert {"bp", "committee", "committee ± 2σ", "reference", "training structures (projected)"} <= set(names)
    assert fig.layout.shapes[0].x0 == 0.9 and fig.layout.shapes[0].x1 == 1.0  # the data range is shaded


def test_slice_map_marks_near_and_far_training_points_and_centres_signed_maps():
    data = np.array([[0.9, 0.9], [1.0, 1.1], [5.0, 5.0]])  # the last one lies outside the map
    fig = slice_map(X, Y, X - Y, value_title=axis_title("error", "meV"), signed=True, value_max=0.3,
                    data_xy=data, data_near=np.array([True, False, True]), equal_axes=True, **TITLES)
    assert axes_without_units(fig) == []
    assert fig.data[0].zmid == 0.0 and fig.data[0].zmin == -0.3
    by_name = {trace.name: trace for trace in fig.data[1:]}
    assert list(by_name["training data"].x) == [0.9]
    assert list(by_name["training data, away from the slice"].x) == [1.0]
    assert fig.layout.yaxis.scaleanchor == "x"


def test_error_vs_spread_figure_has_log_axes_with_units():
    fig = error_vs_spread_figure(np.array([0.1, 10.0]), np.array([0.2, -30.0]), np.array([True, False]), unit="meV")
    assert axes_without_units(fig) == [] and fig.layout.xaxis.type == "log"


def test_arrows_point_along_the_force_and_are_capped():
    xs, ys = arrow_segments(np.array([0.0]), np.array([0.0]), np.array([10.0]), np.array([0.0]), length=0.5, clip=1.0)
    assert xs[1] == 0.5 and ys[1] == 0.0  # capped at the full length, along +x
    xs, ys = arrow_segments(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([-0.5]), length=0.5, clip=1.0)
    assert ys[1] == -0.25 and xs[1] == 0.0  # half the cap: half the length, along -y
    xs, _ = arrow_segments(np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), length=0.5, clip=1.0)
    assert xs.size == 0  # zero force: no arrow


def test_field_figures_have_units_and_draw_the_loop():
    E = (X - 1) ** 2 + (Y - 1) ** 2
    fields = [ArrowField("−∇E", -2 * (X - 1), -2 * (Y - 1))]
    fig = quiver_figure(X, Y, E, fields, energy_title=axis_title("E", "eV"), loop=((1.0, 1.0), 0.1), **TITLES)
    assert axes_without_units(fig) == []
    assert [t.name for t in fig.data][-2:] == ["−∇E", "loop (counter-clockwise)"]
    curl = curl_figure(X, Y, X * 0, curl_title=axis_title("curl", "eV/Å²"), loop=((1.0, 1.0), 0.1), **TITLES)
    assert axes_without_units(curl) == []
    time = np.linspace(0, 1, 5)
    energy = energy_change_figure([EnergyTrace("run", time, np.zeros((5, 3)), "#000000")],
                                  time_title=axis_title("t", "fs"), energy_title=axis_title("ΔE", "meV"))
    assert axes_without_units(energy) == [] and sum(t.showlegend is not False for t in energy.data) == 1
    work = loop_work_figure(np.array([0.1, 0.2]), {"direct": (np.array([1.0, 4.0]), "#D55E00")},
                            radius_title=axis_title("r", "Å"), work_title=axis_title("|W|", "eV"))
    assert axes_without_units(work) == [] and work.layout.yaxis.type == "log"
