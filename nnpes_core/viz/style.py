"""One figure style for every plot in the course.

Every plotly figure goes through :func:`style_figure` (the app's ``ui.plot`` does it for you), so a
page never sets fonts or colours itself. Two sizes: the normal one for a laptop screen and a
``lecture`` one with large fonts, thick lines and big markers for a projector.

Axis titles always carry their unit: build them with :func:`axis_title` ("Energy (eV)"). Titles are
plain Unicode (Å, ², ⁻¹, θ, ε): plotly's LaTeX needs MathJax from a CDN, and the app is offline.
"""
from __future__ import annotations

import functools

import plotly.graph_objects as go

FONT_FAMILY = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"

# The same role always gets the same colour on every page (colour-blind safe, Okabe-Ito).
COLORS = {
    "reference": "#000000",  # the truth: quantum chemistry or an analytic potential
    "model": "#0072B2",  # a trained neural network
    "counterexample": "#D55E00",  # the naive model that fails the check
    "train": "#009E73",
    "validation": "#E69F00",
    "highlight": "#CC79A7",
    "grid": "#E5E5E5",
}
# Cycle for several curves of equal standing (e.g. several electronic states).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
# Sequential map for a scalar on a surface or on atoms (energies): perceptually uniform.
SEQUENTIAL = "Viridis"
# Diverging map for signed quantities centred on zero (errors, curl).
DIVERGING = "RdBu_r"

_SIZES = {
    # font, title font, tick font, line width, marker size, default height (px)
    False: dict(font=15, title=18, tick=13, line=2.5, marker=7, height=450),
    True: dict(font=22, title=28, tick=19, line=4.5, marker=13, height=640),
}


def axis_title(quantity: str, unit: str | None) -> str:
    """An axis title with its unit, e.g. ``axis_title("Energy", "eV") == "Energy (eV)"``.

    ``unit=None`` marks a genuinely dimensionless quantity (it is written as is).
    """
    return quantity if unit is None else f"{quantity} ({unit})"


def template(lecture: bool = False) -> go.layout.Template:
    """The course's plotly template; ``lecture=True`` gives projector sizes."""
    size = _SIZES[bool(lecture)]
    axis = dict(
        showline=True,
        linecolor="#444444",
        linewidth=1.2,
        mirror=True,
        ticks="outside",
        tickfont=dict(size=size["tick"]),
        title=dict(font=dict(size=size["font"])),
        gridcolor=COLORS["grid"],
        zeroline=False,
        automargin=True,
    )
    layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=size["font"], color="#1A1A1A"),
        title=dict(font=dict(size=size["title"]), x=0.0, xanchor="left"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=axis,
        yaxis=axis,
        legend=dict(font=dict(size=size["tick"]), bgcolor="rgba(255,255,255,0.8)"),
        margin=dict(l=70, r=30, t=60, b=60),
        hoverlabel=dict(font=dict(size=size["tick"])),
        colorscale=dict(sequential=SEQUENTIAL, diverging=DIVERGING),
    )
    # 3-D scenes (surface plots) use the same fonts.
    scene_axis = dict(title=dict(font=dict(size=size["font"])), tickfont=dict(size=size["tick"]))
    layout.scene = dict(xaxis=scene_axis, yaxis=scene_axis, zaxis=scene_axis)
    data = go.layout.template.Data(
        scatter=[go.Scatter(line=dict(width=size["line"]), marker=dict(size=size["marker"]))],
        contour=[go.Contour(colorscale=SEQUENTIAL, line=dict(width=size["line"] / 2))],
        surface=[go.Surface(colorscale=SEQUENTIAL)],
        heatmap=[go.Heatmap(colorscale=SEQUENTIAL)],
    )
    return go.layout.Template(layout=layout, data=data)


@functools.lru_cache(maxsize=2)
def _shared_template(lecture: bool) -> go.layout.Template:
    """:func:`template`, built once per size: plotly validates every property it is given, so building
    it takes ~10 ms, and a page styles a dozen figures per run. Never modified: plotly copies a
    template into each figure it is given to."""
    return template(lecture)


def style_figure(fig: go.Figure, lecture: bool = False, height: int | None = None) -> go.Figure:
    """Apply the course style to ``fig`` in place and return it.

    ``height`` in px; by default a size that suits the mode (taller in lecture mode).
    """
    size = _SIZES[bool(lecture)]
    fig.update_layout(template=_shared_template(bool(lecture)), height=height or size["height"])
    if lecture:
        # Traces that set their own widths keep them, but never thinner than the lecture size.
        for trace in fig.data:
            line = getattr(trace, "line", None)
            if line is not None and "width" in line and (line.width or 0) < size["line"]:
                trace.line.width = size["line"]
    return fig


def new_figure(
    x_title: str, y_title: str, title: str | None = None, lecture: bool = False
) -> go.Figure:
    """An empty styled figure with axis titles (build them with :func:`axis_title`)."""
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title)
    return style_figure(fig, lecture=lecture)


def _has_unit(text: str | None) -> bool:
    text = (text or "").rstrip()
    return "(" in text and text.endswith(")")


def axes_without_units(fig: go.Figure) -> list[str]:
    """The axes whose title lacks a unit in parentheses, e.g. ``["xaxis: 'R'"]`` (for tests).

    A dimensionless quantity says so: ``axis_title("Overlap", "dimensionless")``.
    """
    layout = fig.layout.to_plotly_json()
    axis_names = {k for k in layout if k.startswith(("xaxis", "yaxis"))}
    scene_names = {k for k in layout if k.startswith("scene")}
    for trace in fig.data:
        if trace.type in ("surface", "scatter3d", "mesh3d", "cone", "isosurface", "volume"):
            scene_names.add(getattr(trace, "scene", None) or "scene")
        elif trace.type not in ("pie", "table", "sunburst", "indicator"):
            for letter in ("x", "y"):
                ref = getattr(trace, f"{letter}axis", None) or letter
                axis_names.add(ref.replace(letter, f"{letter}axis", 1))
    missing = []
    for name in sorted(axis_names):
        axis = layout.get(name, {})
        if axis.get("visible") is not False and not _has_unit((axis.get("title") or {}).get("text")):
            missing.append(f"{name}: {(axis.get('title') or {}).get('text')!r}")
    for scene in sorted(scene_names):
        for axis_name in ("xaxis", "yaxis", "zaxis"):
            title = (layout.get(scene, {}).get(axis_name, {}).get("title") or {}).get("text")
            if not _has_unit(title):
                missing.append(f"{scene}.{axis_name}: {title!r}")
    return missing
