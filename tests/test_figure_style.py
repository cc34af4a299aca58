"""The course style is built once and copied into each figure: styling is cheap and figures stay independent."""
from __future__ import annotations

import plotly.graph_objects as go

from nnpes_core.viz.style import style_figure, template


def test_a_styled_figure_carries_the_course_template_in_both_sizes():
    for lecture in (False, True):
        figure = style_figure(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), lecture=lecture)
        assert figure.layout.template.to_plotly_json() == template(lecture).to_plotly_json()


def test_changing_one_figures_template_leaves_the_next_figure_alone():
    first = style_figure(go.Figure())
    first.layout.template.layout.font.size = 99
    first.layout.template.data.scatter[0].line.width = 99
    second = style_figure(go.Figure())
    assert second.layout.template.layout.font.size == template().layout.font.size != 99
    assert second.layout.template.data.scatter[0].line.width == template().data.scatter[0].line.width
