"""Figures of the symmetry lesson: every axis has a unit, log axes get no zeros, numbers are shown."""
from __future__ import annotations

import numpy as np

from nnpes_core.viz import axes_without_units
from nnpes_core.viz.symmetry import augmentation_figure, hessian_blocks_figure


def test_augmentation_figure_has_units_and_draws_exact_zeros_at_the_resolution():
    fig = augmentation_figure([0, 10, 100], [20.0, 0.05, 0.02], [4.6, 0.17, 0.1],
                              {"Behler-Parrinello": (0.0, 9.5e-7), "Equivariant MPNN": (0.0, 1.2e-6)},
                              energy_resolution_ev=2.44e-4)
    assert axes_without_units(fig) == []
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    for trace in fig.data:
        assert all(y > 0 for y in trace.y), trace.name  # nothing a log axis cannot draw
    bp_energy = next(t for t in fig.data if t.name.startswith("Behler-Parrinello") and t.xaxis == "x")
    assert bp_energy.y[0] == 2.44e-4 and "0 exactly" in bp_energy.hovertemplate
    cartesian = [t for t in fig.data if t.name == "Cartesian MLP"]
    assert len(cartesian) == 2 and list(cartesian[0].x) == ["0", "10", "100"]


def test_hessian_blocks_figure_writes_the_numbers_and_has_units():
    rng = np.random.default_rng(0)
    blocks = [(name, rng.standard_normal((3, 3))) for name in ("before", "expected", "after")]
    fig = hessian_blocks_figure(blocks, "O0", "H1", difference=("difference", 1e-15 * rng.standard_normal((3, 3))))
    assert axes_without_units(fig) == []
    assert len(fig.data) == 4
    assert fig.data[0].text[0][0] == f"{blocks[0][1][0, 0]:.2f}"
    assert "e-1" in fig.data[3].text[0][0]  # the round-off difference in scientific notation
    assert fig.data[3].zmax < 1e-13  # on its own colour scale
