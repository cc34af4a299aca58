"""Figures: plotly figures in one course style and a 3-D molecule viewer (HTML).

Builders take plain arrays and ``ase.Atoms`` and return a ``plotly.graph_objects.Figure`` or an HTML
string; they never import Streamlit, so they work in a notebook and in tests too.
"""
from nnpes_core.viz.molecule import molecule_html, trajectory_from_mode, value_colors
from nnpes_core.viz.style import (
    COLORS,
    PALETTE,
    axes_without_units,
    axis_title,
    new_figure,
    style_figure,
    template,
)

__all__ = [
    "COLORS",
    "PALETTE",
    "axes_without_units",
    "axis_title",
    "molecule_html",
    "new_figure",
    "style_figure",
    "template",
    "trajectory_from_mode",
    "value_colors",
]
