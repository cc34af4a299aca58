"""Networks on 2-D surfaces go through the one pipeline: the registry builds them, the one training loop
fits them (energy + force loss, forces-only, stop keeps the best weights, float32, time budget), and the
one checkpoint format saves them. Wider and deeper networks fit Müller-Brown better."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from nnpes_core.data.surface_points import SurfacePoints, sample_surface, surface_dataset, surface_units
from nnpes_core.derivatives import energy_and_forces, gradient
from nnpes_core.models import SurfaceMLP, build_model, checkpoint_bytes, model_from_checkpoint
from nnpes_core.potentials import DoubleWell, MullerBrown
from nnpes_core.surface_training import fit_surface, surface_on_grid, width_depth_scan
from nnpes_core.training import TrainingConfig, error_metrics, train


def config(**overrides) -> TrainingConfig:
    settings = dict(epochs=40, batch_size=32, learning_rate=1e-2, device="cpu", dtype="float64", seed=0)
    return TrainingConfig(**{**settings, **overrides})


def surface_model(width: int, depth: int, seed: int = 0) -> SurfaceMLP:
    return build_model("surface", seed=seed, width=width, depth=depth)


@pytest.fixture(scope="module")
def well():
    surface = DoubleWell()
    return surface, surface_dataset(surface, 200, seed=0), surface_dataset(surface, 50, seed=1)


def test_surface_mlp_maps_points_to_energies_of_any_batch_shape():
    model = surface_model(8, 2).double()
    assert model(torch.zeros(5, 2, dtype=torch.float64)).shape == (5,)
    assert model(torch.zeros(4, 3, 2, dtype=torch.float64)).shape == (4, 3)
    assert model.n_parameters == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1)
    with pytest.raises(ValueError):
        SurfaceMLP(width=0)


def test_forces_are_minus_the_derivative_of_the_energy():
    model = surface_model(8, 2).double()
    points = SurfacePoints(torch.tensor([[0.3, -0.2]], dtype=torch.float64))
    _, forces = energy_and_forces(model, points)
    step = 1e-6
    numeric = [-(model(points.positions + step * e) - model(points.positions - step * e)) / (2 * step)
               for e in torch.eye(2, dtype=torch.float64)]
    assert torch.allclose(forces[0], torch.cat(numeric), atol=1e-8)


def test_samples_lie_in_the_window_and_below_the_energy_ceiling():
    surface = MullerBrown()
    xy, energy = sample_surface(surface, 200, seed=0)
    assert xy.shape == (200, 2) and energy.shape == (200,)
    assert torch.all(energy <= surface.plot_energy_max)
    assert xy[:, 0].min() >= surface.x_range[0] and xy[:, 0].max() <= surface.x_range[1]
    assert torch.equal(xy, sample_surface(surface, 200, seed=0)[0])


def test_dataset_forces_are_minus_the_gradient(well):
    surface, data, _ = well
    x, y = data.xy[:, 0], data.xy[:, 1]
    expected = -torch.stack([4 * surface.barrier * x * (x**2 - 1), surface.stiffness * y], -1)
    torch.testing.assert_close(data.forces, expected)


def test_training_lowers_the_energy_and_force_errors(well):
    _, train_data, val_data = well
    model = surface_model(32, 2).double()
    before = error_metrics(model, val_data)
    result = train(model, train_data, val_data, config())
    after = error_metrics(result.model, val_data)
    assert after["energy_mae"] < 0.2 * before["energy_mae"]
    assert after["force_mae"] < 0.2 * before["force_mae"]
    assert result.stop_reason == "finished" and result.best_epoch >= 1
    assert result.history[-1].structures_per_second > 0


def test_fits_are_seeded_and_lower_the_error():
    data = surface_dataset(DoubleWell(), 100, seed=0)
    first = fit_surface(data, width=16, depth=2, steps=300, seed=3, beta=0.0)
    second = fit_surface(data, width=16, depth=2, steps=300, seed=3, beta=0.0)
    assert [r.train_loss for r in first.history] == [r.train_loss for r in second.history]
    assert first.history[-1].train_loss < 0.1 * first.history[0].train_loss
    assert error_metrics(first.model, data)["energy_rmse"] < 0.3 * float(data.energy.std())


def test_fitting_forces_as_well_gives_a_better_force_field():
    surface = DoubleWell()
    data, test = surface_dataset(surface, 60, seed=0), surface_dataset(surface, 200, seed=1)
    errors = {beta: error_metrics(fit_surface(data, width=16, depth=2, steps=200, beta=beta).model, test)["force_rmse"]
              for beta in (0.0, 1.0)}
    assert errors[1.0] < errors[0.0]


def test_forces_only_training_never_looks_at_the_energies(well):
    _, train_data, val_data = well
    shifted = SurfacePoints(train_data.xy, train_data.energy + 1000.0, train_data.forces)  # same forces
    val_shifted = SurfacePoints(val_data.xy, val_data.energy + 1000.0, val_data.forces)
    first = train(surface_model(16, 2), train_data, val_data, config(alpha=0.0, epochs=10)).model
    second = train(surface_model(16, 2), shifted, val_shifted, config(alpha=0.0, epochs=10)).model
    torch.testing.assert_close(first(train_data.xy), second(train_data.xy))


def test_forces_only_training_learns_the_surface_up_to_a_constant(well):
    _, train_data, val_data = well
    model = train(surface_model(32, 2), train_data, val_data, config(alpha=0.0, epochs=150)).model
    difference = (model(val_data.xy) - val_data.energy).detach().numpy()
    assert difference.std() < 0.05 * val_data.energy.std().item()
    assert abs(difference.mean()) > 5 * difference.std()  # the constant was never learned


def test_a_callback_that_raises_leaves_the_best_weights(well):
    """What a Ctrl-C or an exception in a page does: the best weights stay in the model."""
    _, train_data, val_data = well
    model = surface_model(16, 2)
    reports = []

    def interrupt(report):
        reports.append(report)
        if report.epoch == 6:
            raise RuntimeError("rerun requested")

    with pytest.raises(RuntimeError):
        train(model, train_data, val_data, config(learning_rate=0.05), interrupt)
    best = min(reports, key=lambda r: r.val_loss)
    assert error_metrics(model, val_data)["loss"] == pytest.approx(best.val_loss, rel=1e-10)


def test_a_callback_returning_false_stops(well):
    _, train_data, val_data = well
    result = train(surface_model(8, 1), train_data, val_data, config(), lambda r: r.epoch < 3)
    assert result.stop_reason == "stopped" and result.epochs_run == 3


def test_float32_and_the_time_budget(well):
    _, train_data, val_data = well
    result = train(surface_model(8, 1), train_data, val_data, config(dtype="float32", epochs=10**6, time_budget=0.3))
    assert result.stop_reason == "time budget"
    assert next(result.model.parameters()).dtype == torch.float32


def test_surface_models_use_the_one_checkpoint_format(well):
    surface, train_data, _ = well
    for kind in ("surface", "surface-direct"):
        model = train(build_model(kind, width=8, depth=2), train_data, None, config(epochs=3)).model
        loaded = model_from_checkpoint(torch.load(io.BytesIO(checkpoint_bytes(model, {"surface": "double well"})),
                                                  weights_only=True))
        assert loaded.kind == kind
        torch.testing.assert_close(energy_and_forces(loaded, train_data)[1], energy_and_forces(model, train_data)[1])
    x, y, reference, grid = surface_on_grid(loaded, surface, 12)
    assert grid.shape == reference.shape == (12, 12) and np.isfinite(grid).all()
    assert reference.max() <= surface.plot_energy_max
    assert surface_units(surface) == ("a.u.", "a.u.")


def test_the_direct_force_network_fits_forces_that_are_not_a_gradient(well):
    _, train_data, val_data = well
    model = train(build_model("surface-direct", width=16, depth=2, seed=0), train_data, val_data,
                  config(epochs=120)).model
    assert error_metrics(model, val_data)["force_mae"] < 0.2 * float(val_data.forces.abs().mean())
    _, autograd_forces = gradient(model, val_data.xy[:5])  # -dE/dxy of its energy output
    assert not torch.allclose(model.direct_forces(val_data.xy[:5]), -autograd_forces, atol=1e-3)


def test_wider_and_deeper_networks_fit_mueller_brown_better():
    scan = width_depth_scan(MullerBrown(), widths=(2, 32), depths=(1, 2), n_train=200, n_test=400, steps=300)
    assert scan.test_rmse.shape == (2, 2) and len(scan.models) == 2 and len(scan.models[0]) == 2
    assert scan.test_rmse[0, 1] < 0.7 * scan.test_rmse[0, 0]  # width 2 -> 32 at depth 1
    assert scan.test_rmse[1, 1] < 0.7 * scan.test_rmse[0, 0]  # and deeper
    assert scan.n_parameters[1, 1] > scan.n_parameters[0, 0]
    assert np.all(scan.train_rmse > 0)
