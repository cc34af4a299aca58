"""The claims of lesson 4, measured on Morse water: forces-only training learns the energy up to a
constant, energies-only training never touches the forces, learning curves at equal cost, and the
Cartesian MLP fails on rotated molecules while Behler-Parrinello does not. Plus the figures."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from model_suite import MODEL_OPTIONS, quick_config
from nnpes_core.data import labelled_copy
from nnpes_core.data.surface_points import surface_dataset
from nnpes_core.models import build_model, checkpoint_bytes, elements_for, model_from_checkpoint
from nnpes_core.potentials import DoubleWell
from nnpes_core.training import train
from nnpes_core.training_experiments import (
    PARTS, epochs_for_steps, equal_cost_curves, evaluate, fit, forces_only_offset, history_arrays,
    parity_data, rotated_copies, rotation_test, evaluate_test_set,
)
from nnpes_core.viz import axes_without_units
from nnpes_core.viz.training import (
    curve_fit_figure, learning_curves_figure, loss_curves_figure, offset_figure, parity_figure,
    rotation_errors_figure,
)


quick = quick_config  # fixed epochs, one thread: the same models on any machine


@pytest.fixture(scope="module")
def water(morse_water_frames):
    """(train, validation, test) Morse water structures."""
    return morse_water_frames[:40], morse_water_frames[40:48], morse_water_frames[48:]


def test_forces_only_training_recovers_the_surface_up_to_a_constant(water):
    result = forces_only_offset("bp", *water, quick(), **MODEL_OPTIONS["bp"])
    assert abs(result.offset) > 1.0  # Morse water lies ~9 eV below its atoms; the model starts at 0
    assert result.spread < 0.2 * result.reference.std()
    assert result.spread < 1e-2 * abs(result.offset)
    np.testing.assert_allclose(result.shifted.mean(), result.reference.mean())


def test_energies_only_training_never_uses_the_forces(water):
    train_frames = water[0]
    garbled = [labelled_copy(a, a.get_potential_energy(), 10 * a.get_forces() + 1.0) for a in train_frames]
    config = quick(time_budget=None, epochs=3)
    first = fit("bp", train_frames, None, config, use_forces=False, **MODEL_OPTIONS["bp"]).model
    second = fit("bp", garbled, None, config, use_forces=False, **MODEL_OPTIONS["bp"]).model
    np.testing.assert_allclose(parity_data(first, water[2]).predicted_energy,
                               parity_data(second, water[2]).predicted_energy, rtol=1e-12)


def test_equal_cost_learning_curves(water):
    pool, _, test_frames = water
    result = equal_cost_curves("bp", pool, test_frames, (5, 40), quick(time_budget=None), steps=40,
                               **MODEL_OPTIONS["bp"])
    assert result.sizes == [5, 40] and result.steps == 40
    for name in ("energies only", "energies + forces"):
        assert result.energy_mae[name].shape == (2,) and np.isfinite(result.energy_mae[name]).all()
    # the force labels make the forces far better at every N
    assert (result.force_mae["energies + forces"] < result.force_mae["energies only"]).all()
    assert epochs_for_steps(5, 16, 40) == 40 and epochs_for_steps(40, 16, 40) == 14


def test_rotated_copies_keep_the_energy_and_turn_the_forces(water):
    frames = water[2][:4]
    for original, rotated in zip(frames, rotated_copies(frames, seed=3)):
        assert rotated.get_potential_energy() == original.get_potential_energy()
        np.testing.assert_allclose(np.linalg.norm(rotated.get_forces(), axis=1),
                                   np.linalg.norm(original.get_forces(), axis=1))
        np.testing.assert_allclose(rotated.get_all_distances(), original.get_all_distances(), atol=1e-12)
        assert not np.allclose(rotated.positions, original.positions)


def test_the_cartesian_mlp_fails_on_rotated_molecules_and_bp_does_not(water):
    result = rotation_test(*water, quick(), model_options=MODEL_OPTIONS)
    forces = result.table("force_rmse_mev_per_a")  # the RMSE of force vectors does not depend on orientation
    energies = result.table("energy_mae_mev_per_atom")
    training, test, rotated = PARTS
    assert forces["cartesian"][2] > 5 * forces["cartesian"][1]
    assert energies["cartesian"][2] > 20 * energies["cartesian"][1]
    np.testing.assert_allclose(forces["bp"][2], forces["bp"][1], rtol=1e-6)  # float64: round-off only
    np.testing.assert_allclose(energies["bp"][2], energies["bp"][1], rtol=1e-6)
    assert set(result.errors["bp"]) == {training, test, rotated}


def test_summary_history_and_checkpoint_of_a_trained_model(water, tmp_path):
    reports = []
    model = build_model("bp", elements_for("bp", water[0]), seed=0, **MODEL_OPTIONS["bp"])
    result = train(model, water[0], water[1], quick(time_budget=None, epochs=4), reports.append)
    summary, parity = evaluate_test_set(result.model, water[2])
    metrics = evaluate(result.model, water[2])
    assert summary["force_mae"] == pytest.approx(metrics["force_mae_mev_per_a"])
    assert summary["energy_mae"] == pytest.approx(metrics["energy_mae_mev_per_atom"])
    assert summary["n_test"] == len(water[2]) and parity.reference_forces.shape == (len(water[2]) * 9,)

    arrays = history_arrays(reports)
    np.testing.assert_array_equal(arrays["epoch"], [1, 2, 3, 4])
    np.testing.assert_allclose(arrays["train_force_rmse"], 1e3 * np.sqrt([r.train_force_loss for r in reports]))

    content = checkpoint_bytes(result.model, {"dataset": "morse water", "test_errors": summary})
    loaded = model_from_checkpoint(torch.load(io.BytesIO(content), weights_only=True))
    np.testing.assert_allclose(parity_data(loaded, water[2]).predicted_energy, parity.predicted_energy)


def test_summary_and_checkpoint_of_a_surface_model():
    surface = DoubleWell()
    train_data, test_data = surface_dataset(surface, 100, seed=0), surface_dataset(surface, 30, seed=1)
    model = train(build_model("surface", width=8, depth=1), train_data, None,
                  quick(time_budget=None, epochs=3, dtype="float64")).model
    summary, parity = evaluate_test_set(model, test_data)
    assert summary["n_test"] == 30 and parity.reference_forces.shape == (60,)
    checkpoint = torch.load(io.BytesIO(checkpoint_bytes(model)), weights_only=True)
    assert checkpoint["kind"] == "surface"


def test_every_training_figure_has_units_on_every_axis():
    rng = np.random.default_rng(0)
    history = {key: rng.random(5) for key in ("train_loss", "val_loss", "train_energy_rmse", "val_energy_mae",
                                              "train_force_rmse", "val_force_mae")}
    history.update(epoch=np.arange(1, 6), best_epoch=3)
    reference = rng.random(20)
    figures = [
        loss_curves_figure(history),
        parity_figure(reference, reference + 0.01, "Energy", "eV"),
        offset_figure(reference, reference + 5.0, 5.0),
        curve_fit_figure(np.linspace(0.5, 3, 20), reference, reference, [1.0], [0.5]),
        learning_curves_figure([10, 100], {"energies only": [2.0, 1.0], "energies + forces": [0.5, 0.2]},
                               {"energies only": [90.0, 40.0], "energies + forces": [20.0, 9.0]}),
        rotation_errors_figure({"cartesian": [1, 1, 100], "bp": [1, 1, 1]}, {"cartesian": [5, 6, 900], "bp": [5, 6, 6]},
                               PARTS),
    ]
    for figure in figures:
        assert axes_without_units(figure) == []
