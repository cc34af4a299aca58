"""Figures of lesson 4 (training): live loss curves, parity plots, the forces-only offset, learning
curves at equal cost, and errors on rotated molecules.

Builders take plain arrays (or dicts of them) and return styled plotly figures with a unit on every
axis; energies in eV (errors in meV), forces in eV/Å (errors in meV/Å) unless the caller passes the
units of a 2-D toy surface.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnpes_core.viz.style import COLORS, PALETTE, axis_title, style_figure

EPOCH_TITLE = axis_title("Epoch", "count")


def loss_curves_figure(history: Mapping[str, np.ndarray], energy_unit: str = "meV/atom",
                       force_unit: str = "meV/Å", loss_unit: str = "(eV/Å)², weighted") -> go.Figure:
    """Three log-scale panels against the epoch: the loss (train, validation), the energy error and
    the force error (train RMSE averaged over the epoch, validation MAE).

    ``history`` holds arrays of equal length: epoch, train_loss, val_loss, train_energy_rmse,
    val_energy_mae, train_force_rmse, val_force_mae (NaN where not measured), and best_epoch (a number,
    optional).
    """
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=("Loss L", "Energy error", "Force error"))
    epoch = np.asarray(history["epoch"])
    panels = [
        (("train_loss", "training loss"), ("val_loss", "validation loss"), axis_title("Loss", loss_unit)),
        (("train_energy_rmse", "training RMSE"), ("val_energy_mae", "validation MAE"),
         axis_title("Energy error", energy_unit)),
        (("train_force_rmse", "training RMSE"), ("val_force_mae", "validation MAE"),
         axis_title("Force error", force_unit)),
    ]
    for column, (train, val, y_title) in enumerate(panels, start=1):
        for (key, name), color in ((train, COLORS["train"]), (val, COLORS["validation"])):
            values = np.asarray(history.get(key, np.full(len(epoch), np.nan)), dtype=float)
            positive = np.where(values > 0, values, np.nan)  # log axis: zeros and NaN are left out
            fig.add_trace(go.Scatter(x=epoch, y=positive, mode="lines", name=name, line=dict(color=color),
                                     legendgroup=name, showlegend=column == 2, connectgaps=True),
                          row=1, col=column)
        fig.update_xaxes(title_text=EPOCH_TITLE, row=1, col=column)
        fig.update_yaxes(title_text=y_title, type="log", row=1, col=column)
        if history.get("best_epoch"):
            fig.add_vline(x=float(history["best_epoch"]), line=dict(color=COLORS["highlight"], dash="dot"),
                          row=1, col=column)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0.0))
    return style_figure(fig)


def parity_figure(reference: np.ndarray, predicted: np.ndarray, quantity: str, unit: str,
                  title: str | None = None, color: str | None = None) -> go.Figure:
    """Predicted against reference, with the line y = x; the MAE in the title (in ``unit``)."""
    reference, predicted = np.asarray(reference, dtype=float), np.asarray(predicted, dtype=float)
    mae = float(np.mean(np.abs(predicted - reference))) if len(reference) else float("nan")
    fig = go.Figure()
    low = float(min(reference.min(), predicted.min())) if len(reference) else 0.0
    high = float(max(reference.max(), predicted.max())) if len(reference) else 1.0
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="y = x (perfect model)",
                             line=dict(color=COLORS["reference"], dash="dash", width=1.5)))
    fig.add_trace(go.Scatter(x=reference, y=predicted, mode="markers", name="test set",
                             marker=dict(color=color or COLORS["model"], size=5, opacity=0.6),
                             hovertemplate=f"reference %{{x:.4g}} {unit}<br>model %{{y:.4g}} {unit}<extra></extra>"))
    fig.update_layout(title=title or f"{quantity}: MAE = {mae:.3g} {unit}",
                      xaxis_title=axis_title(f"Reference {quantity.lower()}", unit),
                      yaxis_title=axis_title(f"Model {quantity.lower()}", unit), showlegend=False)
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return style_figure(fig)


def offset_figure(reference: np.ndarray, predicted: np.ndarray, offset: float) -> go.Figure:
    """Forces-only training: left, E_model - c against E_ref (both relative to the lowest reference
    energy, eV) on the line y = x; right, the histogram of E_model - E_ref (eV): one value, c."""
    reference, predicted = np.asarray(reference, dtype=float), np.asarray(predicted, dtype=float)
    zero = float(reference.min())
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        f"Model energy shifted by c = {offset:.4f} eV", "E_model − E_ref of every test structure"))
    low, high = 0.0, float((reference - zero).max())
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="y = x",
                             line=dict(color=COLORS["reference"], dash="dash", width=1.5)), row=1, col=1)
    fig.add_trace(go.Scatter(x=reference - zero, y=predicted - offset - zero, mode="markers",
                             name="forces-only model − c", marker=dict(color=COLORS["model"], size=6, opacity=0.6)),
                  row=1, col=1)
    fig.add_trace(go.Histogram(x=predicted - reference, nbinsx=40, name="E_model − E_ref",
                               marker=dict(color=COLORS["model"])), row=1, col=2)
    fig.add_vline(x=offset, line=dict(color=COLORS["highlight"], dash="dot"), row=1, col=2)
    fig.update_xaxes(title_text=axis_title("Reference energy − lowest reference", "eV"), row=1, col=1)
    fig.update_yaxes(title_text=axis_title("Model energy − c − lowest reference", "eV"), row=1, col=1)
    fig.update_xaxes(title_text=axis_title("E_model − E_ref", "eV"), tickformat=".4f", row=1, col=2)
    fig.update_yaxes(title_text=axis_title("Structures", "count"), row=1, col=2)
    fig.update_layout(showlegend=False)
    return style_figure(fig)


def curve_fit_figure(distances: np.ndarray, reference: np.ndarray, model: np.ndarray,
                     train_distances: Sequence[float] = (), train_energies: Sequence[float] = (),
                     model_name: str = "model", title: str | None = None) -> go.Figure:
    """A 1-D cut: reference E(R) and the model's E(R) (eV against Å), training points marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=distances, y=reference, mode="lines+markers", name="reference (FCI)",
                             line=dict(color=COLORS["reference"]), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=distances, y=model, mode="lines", name=model_name,
                             line=dict(color=COLORS["model"], dash="dash")))
    if len(train_distances):
        fig.add_trace(go.Scatter(x=list(train_distances), y=list(train_energies), mode="markers",
                                 name="training points",
                                 marker=dict(color=COLORS["train"], size=9, symbol="circle-open", line=dict(width=2))))
    fig.update_layout(title=title, xaxis_title=axis_title("Bond length R", "Å"),
                      yaxis_title=axis_title("Energy", "eV"))
    return style_figure(fig)


def learning_curves_figure(sizes: Sequence[int], energy_mae: Mapping[str, np.ndarray],
                           force_mae: Mapping[str, np.ndarray]) -> go.Figure:
    """Test errors against the number N of reference calculations (log-log), one line per setting."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("Test energy error", "Test force error"))
    for column, errors in enumerate((energy_mae, force_mae), start=1):
        for (name, values), color in zip(errors.items(), (COLORS["counterexample"], COLORS["model"])):
            fig.add_trace(go.Scatter(x=list(sizes), y=np.asarray(values, dtype=float), mode="lines+markers", name=name,
                                     line=dict(color=color), marker=dict(color=color, size=10),
                                     legendgroup=name, showlegend=column == 1), row=1, col=column)
        fig.update_xaxes(title_text=axis_title("Training structures N", "reference calculations"), type="log",
                         tickvals=list(sizes), ticktext=[str(n) for n in sizes], row=1, col=column)
    fig.update_yaxes(title_text=axis_title("Energy MAE", "meV/atom"), type="log", row=1, col=1)
    fig.update_yaxes(title_text=axis_title("Force MAE", "meV/Å"), type="log", row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0.0))
    return style_figure(fig)


def rotation_errors_figure(energy_errors: Mapping[str, Sequence[float]], force_errors: Mapping[str, Sequence[float]],
                           parts: Sequence[str], labels: Mapping[str, str] | None = None,
                           energy_metric: str = "Energy MAE", force_metric: str = "Force RMSE") -> go.Figure:
    """Grouped bars (log scale): an energy error (meV/atom) and a force error (meV/Å) of each model on
    each part of the data. The RMSE of force vectors is the natural force metric here: it does not
    change when a molecule and its forces are turned together (a componentwise MAE does a little)."""
    labels = labels or {}
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(energy_metric, force_metric))
    colors = {"cartesian": COLORS["counterexample"]}
    for column, errors in enumerate((energy_errors, force_errors), start=1):
        for index, (kind, values) in enumerate(errors.items()):
            color = colors.get(kind, PALETTE[index % len(PALETTE)] if kind != "bp" else COLORS["model"])
            fig.add_trace(go.Bar(x=list(parts), y=list(values), name=labels.get(kind, kind), marker=dict(color=color),
                                 legendgroup=kind, showlegend=column == 1,
                                 text=[f"{v:.3g}" for v in values], textposition="outside"), row=1, col=column)
        fig.update_xaxes(title_text=axis_title("Evaluated on", "data set"), row=1, col=column)
    fig.update_yaxes(title_text=axis_title(energy_metric, "meV/atom"), type="log", row=1, col=1)
    fig.update_yaxes(title_text=axis_title(force_metric, "meV/Å"), type="log", row=1, col=2)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.25, x=0.0))
    return style_figure(fig)
