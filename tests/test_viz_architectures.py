"""Lesson 3 figures: every builder returns a figure with its data and a unit on every axis."""
from __future__ import annotations

import numpy as np

from nnpes_core.analysis.equivariant_features import harmonic_on_sphere
from nnpes_core.viz import axes_without_units
from nnpes_core.viz.architectures import (
    cost_figure, cutoff_figure, fingerprint_heatmap, harmonic_figure, ion_pair_figure, line_figure,
    surface_comparison_figure, width_depth_figure,
)


def _check(fig, n_traces: int) -> None:
    assert len(fig.data) == n_traces
    assert axes_without_units(fig) == []


def test_every_lesson_three_figure_has_units_on_every_axis():
    r = np.linspace(0, 6, 50)
    _check(cutoff_figure(r, {"cosine": r, "polynomial": r}, 5.0, [1.0, 2.0], [0.9, 0.5]), 3)
    _check(line_figure(r, {"a": r, "b": r}, "Distance r (Å)", "G2 contribution (dimensionless)", vline=5.0), 2)
    _check(fingerprint_heatmap(np.random.default_rng(0).random((3, 5)), ["O0", "H1", "H2"], list("abcde")), 1)
    points, values = harmonic_on_sphere(2, 0, 10)
    _check(harmonic_figure(points, values, "Y"), 1)
    n = np.array([10, 100, 1000])
    _check(cost_figure([("cutoff", n, 1e-4 * n, 1.0, 1e-4), ("all pairs", n, 1e-6 * n**2, 2.0, 1e-6)]), 4)
    _check(ion_pair_figure(r + 2, -1 / (r + 2), -1 / (r + 2), -1 / (r + 2), 4.0, r[:5] + 2, -1 / (r[:5] + 2)), 4)
    _check(width_depth_figure([2, 8], [1, 2], np.ones((2, 2)), "arbitrary units"), 2)
    grid = np.linspace(0, 1, 5)
    _check(surface_comparison_figure(grid, grid, np.ones((5, 5)), np.ones((5, 5)), "x (arbitrary units)",
                                     "y (arbitrary units)", "arbitrary units", ["reference", "model"]), 2)


def test_cost_figure_skips_the_fit_line_when_there_is_no_fit():
    fig = cost_figure([("one point", np.array([10]), np.array([1e-3]), float("nan"), float("nan"))])
    assert len(fig.data) == 1
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
