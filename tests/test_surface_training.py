"""The energy + force loss on a 2-D surface: it learns, forces-only never touches the energies, a stop
keeps the best weights, and checkpoints load with weights_only."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from nnpes_core.potentials import DoubleWell
from nnpes_core.surface_training import (
    SurfaceData, surface_checkpoint, surface_dataset, surface_errors, surface_model, surface_model_from_checkpoint,
    surface_on_grid, surface_predict, surface_units, train_surface,
)
from nnpes_core.training import TrainingConfig


def config(**overrides) -> TrainingConfig:
    settings = dict(epochs=40, batch_size=32, learning_rate=1e-2, device="cpu", dtype="float64", seed=0)
    return TrainingConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def well():
    surface = DoubleWell()
    return surface, surface_dataset(surface, 200, seed=0), surface_dataset(surface, 50, seed=1)


def test_dataset_forces_are_minus_the_gradient(well):
    surface, data, _ = well
    x, y = data.xy[:, 0], data.xy[:, 1]
    expected = -torch.stack([4 * surface.barrier * x * (x**2 - 1), surface.stiffness * y], -1)
    torch.testing.assert_close(data.forces, expected)


def test_training_lowers_the_energy_and_force_errors(well):
    _, train_data, val_data = well
    model = surface_model(32, 2)
    before = surface_errors(model.double(), val_data)
    result = train_surface(model, train_data, val_data, config())
    after = surface_errors(result.model, val_data)
    assert after["energy_mae"] < 0.2 * before["energy_mae"]
    assert after["force_mae"] < 0.2 * before["force_mae"]
    assert result.stop_reason == "finished" and result.best_epoch >= 1
    assert result.history[-1].structures_per_second > 0


def test_forces_only_training_never_looks_at_the_energies(well):
    _, train_data, val_data = well
    shifted = SurfaceData(train_data.xy, train_data.energy + 1000.0, train_data.forces)  # same forces
    val_shifted = SurfaceData(val_data.xy, val_data.energy + 1000.0, val_data.forces)
    first = train_surface(surface_model(16, 2), train_data, val_data, config(alpha=0.0, epochs=10)).model
    second = train_surface(surface_model(16, 2), shifted, val_shifted, config(alpha=0.0, epochs=10)).model
    torch.testing.assert_close(first(train_data.xy), second(train_data.xy))


def test_forces_only_training_learns_the_surface_up_to_a_constant(well):
    _, train_data, val_data = well
    model = train_surface(surface_model(32, 2), train_data, val_data, config(alpha=0.0, epochs=150)).model
    difference = (model(val_data.xy) - val_data.energy).detach().numpy()
    assert difference.std() < 0.05 * val_data.energy.std().item()
    assert abs(difference.mean()) > 5 * difference.std()  # the constant was never learned


def test_a_callback_that_raises_leaves_the_best_weights(well):
    """What the app's stop button does: Streamlit raises inside the callback."""
    _, train_data, val_data = well
    model = surface_model(16, 2)
    reports = []

    def interrupt(report):
        reports.append(report)
        if report.epoch == 6:
            raise RuntimeError("rerun requested")

    with pytest.raises(RuntimeError):
        train_surface(model, train_data, val_data, config(learning_rate=0.05), interrupt)
    best = min(reports, key=lambda r: r.val_loss)
    assert surface_errors(model, val_data)["loss"] == pytest.approx(best.val_loss, rel=1e-10)


def test_a_callback_returning_false_stops(well):
    _, train_data, val_data = well
    result = train_surface(surface_model(8, 1), train_data, val_data, config(), lambda r: r.epoch < 3)
    assert result.stop_reason == "stopped" and result.epochs_run == 3


def test_float32_and_the_time_budget(well):
    _, train_data, val_data = well
    result = train_surface(surface_model(8, 1), train_data, val_data,
                           config(dtype="float32", epochs=10**6, time_budget=0.3))
    assert result.stop_reason == "time budget"
    assert next(result.model.parameters()).dtype == torch.float32


def test_checkpoint_loads_with_weights_only(well):
    surface, train_data, _ = well
    model = train_surface(surface_model(8, 2), train_data, None, config(epochs=3)).model
    buffer = io.BytesIO()
    torch.save(surface_checkpoint(model, {"surface": "double well"}), buffer)
    buffer.seek(0)
    loaded = surface_model_from_checkpoint(torch.load(buffer, weights_only=True))
    torch.testing.assert_close(loaded(train_data.xy), model(train_data.xy))
    energy, forces = surface_predict(loaded, train_data.xy[:4])
    assert energy.shape == (4,) and forces.shape == (4, 2)
    x, y, reference, grid = surface_on_grid(loaded, surface, 12)
    assert grid.shape == reference.shape == (12, 12) and np.isfinite(grid).all()
    assert reference.max() <= surface.plot_energy_max
    assert surface_units(surface) == ("a.u.", "a.u.")
