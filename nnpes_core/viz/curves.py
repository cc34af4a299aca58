"""Potential energy curves E_k(R) of a diatomic: states, Hartree-Fock, energy terms, basis sets.

Every builder takes plain arrays (distances in Å, energies in eV) and returns a plotly figure in the
course style; none of them computes physics.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

DISTANCE_TITLE = axis_title("Bond length R", "Å")
ENERGY_TITLE = axis_title("Energy", "eV")
# Ground state black, excited states in colours that differ from the Hartree-Fock curve (orange-red).
STATE_COLORS = [COLORS["reference"], PALETTE[0], PALETTE[2], PALETTE[4], PALETTE[5], PALETTE[3]]


@dataclass(frozen=True)
class CurveMarker:
    """A highlighted point on a curve (e.g. the bond length the student picked)."""

    distance: float  # Å
    energy: float  # eV
    label: str


@dataclass(frozen=True)
class CurveNote:
    """A short text pointing at a place on the plot (e.g. an avoided crossing)."""

    distance: float  # Å
    energy: float  # eV
    text: str


def state_name(k: int) -> str:
    """E₀, E₁, ... with Unicode subscripts."""
    return "E" + "".join("₀₁₂₃₄₅₆₇₈₉"[int(digit)] for digit in str(k))


def _y_range(energies: np.ndarray, ground: np.ndarray) -> list[float]:
    """From a little below the ground-state minimum to where most of the excited curves lie: the steep
    repulsive wall at short R is cut off instead of squashing the wells."""
    low = float(np.nanmin(ground))
    high = float(np.nanpercentile(energies, 90))
    pad = 0.05 * (high - low)
    return [low - pad, high + pad]


def potential_curves_figure(
    distances: Sequence[float],
    state_energies: np.ndarray,
    hf_energies: Sequence[float] | None = None,
    *,
    marker: CurveMarker | None = None,
    notes: Sequence[CurveNote] = (),
    title: str | None = None,
    method: str = "FCI",
) -> go.Figure:
    """E_k(R) for each electronic state (``state_energies`` [n_R, n_states], eV), with the Hartree-Fock
    ground-state curve dashed beside them and an optional marker at the student's R."""
    distances = np.asarray(distances, dtype=float)
    state_energies = np.atleast_2d(np.asarray(state_energies, dtype=float))
    if state_energies.shape[0] != len(distances):
        state_energies = state_energies.T
    fig = go.Figure()
    for k in range(state_energies.shape[1]):
        name = f"{method} {state_name(k)}" + (" (ground state)" if k == 0 else "")
        fig.add_trace(go.Scatter(
            x=distances, y=state_energies[:, k], mode="lines+markers", name=name,
            line=dict(color=STATE_COLORS[k % len(STATE_COLORS)], width=3 if k == 0 else 2),
            marker=dict(size=4), hovertemplate="R = %{x:.3f} Å<br>" + state_name(k) + " = %{y:.4f} eV<extra></extra>",
        ))
    if hf_energies is not None:
        fig.add_trace(go.Scatter(
            x=distances, y=np.asarray(hf_energies, dtype=float), mode="lines", name="Hartree-Fock ground state",
            line=dict(color=COLORS["counterexample"], dash="dash", width=2.5),
            hovertemplate="R = %{x:.3f} Å<br>E_HF = %{y:.4f} eV<extra></extra>",
        ))
    if marker is not None:
        fig.add_vline(x=marker.distance, line=dict(color=COLORS["highlight"], width=1.5, dash="dot"))
        fig.add_trace(go.Scatter(
            x=[marker.distance], y=[marker.energy], mode="markers", name=marker.label,
            marker=dict(color=COLORS["highlight"], size=14, symbol="circle", line=dict(color="black", width=1.5)),
            hovertemplate="R = %{x:.3f} Å<br>E₀ = %{y:.4f} eV<extra></extra>",
        ))
    for note in notes:
        fig.add_annotation(x=note.distance, y=note.energy, text=note.text, showarrow=True, arrowhead=2,
                           ax=90, ay=45, bgcolor="rgba(255,255,255,0.85)", bordercolor="#444444")
    fig.update_layout(
        title=title, xaxis_title=DISTANCE_TITLE, yaxis_title=ENERGY_TITLE,
        yaxis_range=_y_range(state_energies, state_energies[:, 0]), hovermode="closest",
        legend=dict(orientation="h", x=0.0, y=-0.16, yanchor="top"),
    )
    return style_figure(fig)


def energy_terms_figure(
    distances: Sequence[float],
    total_energies: Sequence[float],
    nuclear_repulsion: Sequence[float],
    *,
    marker_distance: float | None = None,
    title: str | None = None,
) -> go.Figure:
    """E_0(R) = E_el(R) + E_nuc(R): the electrons' energy and the nuclear repulsion as separate curves."""
    distances = np.asarray(distances, dtype=float)
    total = np.asarray(total_energies, dtype=float)
    nuclear = np.asarray(nuclear_repulsion, dtype=float)
    fig = go.Figure()
    for values, name, color, dash in (
        (nuclear, "E_nuc(R): proton-proton repulsion", PALETTE[1], "dot"),
        (total - nuclear, "E_el(R): electrons in the field of clamped nuclei", PALETTE[0], "dash"),
        (total, "E₀(R) = E_el + E_nuc: the potential energy surface", COLORS["reference"], "solid"),
    ):
        fig.add_trace(go.Scatter(x=distances, y=values, mode="lines", name=name, line=dict(color=color, dash=dash),
                                 hovertemplate="R = %{x:.3f} Å<br>%{y:.4f} eV<extra></extra>"))
    if marker_distance is not None:
        fig.add_vline(x=marker_distance, line=dict(color=COLORS["highlight"], width=1.5, dash="dot"))
    fig.add_hline(y=0.0, line=dict(color="#888888", width=1))
    fig.update_layout(title=title, xaxis_title=DISTANCE_TITLE, yaxis_title=ENERGY_TITLE,
                      legend=dict(x=0.99, xanchor="right", y=0.98, yanchor="top"))
    return style_figure(fig)


@dataclass(frozen=True)
class BasisCurves:
    """The ground-state FCI and HF curves of one basis set (eV)."""

    label: str  # e.g. "cc-pVDZ"
    distances: np.ndarray  # [n_R] Å
    fci: np.ndarray  # [n_R] eV
    hf: np.ndarray  # [n_R] eV


def basis_comparison_figure(
    curves: Sequence[BasisCurves],
    *,
    exact_minimum: tuple[float, float] | None = None,
    title: str | None = None,
) -> go.Figure:
    """FCI (solid) and HF (dashed) ground states for several basis sets, one colour per basis; the exact
    Born-Oppenheimer minimum ``(R, E)`` as a star, the floor no variational method gets below."""
    fig = go.Figure()
    low, high = np.inf, -np.inf
    for index, curve in enumerate(curves):
        color = PALETTE[index % len(PALETTE)]
        fig.add_trace(go.Scatter(x=curve.distances, y=curve.fci, mode="lines", name=f"FCI / {curve.label}",
                                 legendgroup=curve.label, line=dict(color=color),
                                 hovertemplate="R = %{x:.3f} Å<br>E = %{y:.4f} eV<extra></extra>"))
        fig.add_trace(go.Scatter(x=curve.distances, y=curve.hf, mode="lines", name=f"HF / {curve.label}",
                                 legendgroup=curve.label, line=dict(color=color, dash="dash"),
                                 hovertemplate="R = %{x:.3f} Å<br>E = %{y:.4f} eV<extra></extra>"))
        low = min(low, float(np.min(curve.fci)))
        high = max(high, float(np.max(curve.hf[curve.distances >= 0.5])) if np.any(curve.distances >= 0.5)
                   else float(np.max(curve.hf)))
    if exact_minimum is not None:
        fig.add_trace(go.Scatter(x=[exact_minimum[0]], y=[exact_minimum[1]], mode="markers",
                                 name="exact minimum (complete basis)",
                                 marker=dict(symbol="star", size=16, color=COLORS["highlight"],
                                             line=dict(color="black", width=1)),
                                 hovertemplate="R = %{x:.4f} Å<br>E = %{y:.4f} eV<extra></extra>"))
        low = min(low, exact_minimum[1])
    pad = 0.05 * (high - low) if np.isfinite(high - low) else 1.0
    fig.update_layout(title=title, xaxis_title=DISTANCE_TITLE, yaxis_title=ENERGY_TITLE,
                      yaxis_range=[low - pad, high + pad],
                      legend=dict(x=1.02, xanchor="left", y=1.0, yanchor="top"))
    return style_figure(fig)
