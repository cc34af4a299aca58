"""Training: the loss goes down, forces-only training learns the energy up to a constant, budgets,
stops and checkpoints behave, bad data is refused, and the Cartesian MLP fits but does not generalise
to rotated molecules."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model_suite import MODEL_OPTIONS, quick_config
from nnpes_core.analysis import energies
from nnpes_core.geometry import random_rotation
from nnpes_core.data import labelled_copy
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models import build_model, load_model
from nnpes_core.training import (
    WeightAverage, default_config, error_metrics, resolve_device, selection_score, train, train_new_model,
)


@pytest.fixture(scope="module")
def water(morse_water_frames):
    """(train, validation) Morse water structures."""
    return morse_water_frames[:48], morse_water_frames[48:]


def train_bp(train_frames, val_frames, epochs=20, seconds=None, callback=None, **overrides):
    """bp on Morse water for a fixed number of epochs (reproducible anywhere), or for ``seconds``."""
    config = quick_config(epochs=10**6 if seconds else epochs, time_budget=seconds, **overrides)
    return train_new_model("bp", train_frames, val_frames, config, callback=callback, **MODEL_OPTIONS["bp"])


def test_training_lowers_the_loss(water, trained_models):
    result = train_bp(*water, epochs=20)
    first, best = result.history[0], result.history[result.best_epoch - 1]
    assert best.train_loss < 0.1 * first.train_loss
    assert best.val_loss < first.val_loss


def test_forces_only_training_learns_the_energy_up_to_a_constant(water):
    train_frames, val_frames = water
    result = train_bp(train_frames, val_frames, epochs=40, alpha=0.0)
    reference = np.array([atoms.get_potential_energy() for atoms in train_frames])
    offset = energies(result.model, train_frames) - reference  # [n_structures] eV
    assert abs(offset.mean()) > 1.0  # the absolute energy was never seen: a large constant remains
    assert offset.std() < 0.2 * reference.std()  # but the energy *differences* were learned
    assert offset.std() < 1e-2 * abs(offset.mean())


def test_time_budget_stops_training(water):
    result = train_bp(*water, seconds=0.4)
    assert result.stop_reason == "time budget"
    assert 0.4 <= result.history[-1].elapsed < 1.5


def test_stop_from_callback_keeps_the_best_model(water):
    result = train_bp(*water, seconds=5.0, callback=lambda report: report.epoch < 6)
    assert result.stop_reason == "stopped" and result.epochs_run == 6
    val_batch = AtomicBatch.from_atoms(water[1], result.model.cutoff_radius)
    assert error_metrics(result.model, val_batch)["loss"] == pytest.approx(result.best_val_loss, rel=1e-10)
    for name, tensor in result.model.state_dict().items():
        assert torch.equal(tensor, result.best_state[name]), name


def test_an_exception_during_training_leaves_the_best_model_in_place_and_on_disk(water, tmp_path):
    """A crash (or Streamlit's rerun, raised inside the callback) must not lose what was learned."""
    path, history = tmp_path / "crashed.pt", []

    class Crash(RuntimeError):
        pass

    def callback(report):
        history.append(report)
        if report.epoch == 8:
            raise Crash("the power went out")

    model = build_model("bp", [1, 8], **MODEL_OPTIONS["bp"])
    with pytest.raises(Crash):
        train(model, water[0], water[1], quick_config(time_budget=10.0, checkpoint_path=str(path)), callback)
    best = min(report.val_loss for report in history)
    for survivor in (model, load_model(path)):  # the model object and the file on disk
        val_batch = AtomicBatch.from_atoms(water[1], survivor.cutoff_radius,
                                           dtype=next(survivor.parameters()).dtype)
        assert error_metrics(survivor, val_batch)["loss"] == pytest.approx(best, rel=1e-6)


def test_checkpoint_written_during_training_loads_with_weights_only(water, tmp_path):
    """The trainer saves the best model every ~2 s while it runs; a crash leaves a loadable file."""
    path = tmp_path / "best.pt"
    seen = []

    def callback(report):
        if path.exists():
            seen.append(torch.load(path, weights_only=True))
        return not seen  # stop as soon as a checkpoint was seen mid-training

    train_new_model("bp", water[0], None, quick_config(epochs=10**6, time_budget=10.0, checkpoint_path=str(path)),
                    callback=callback, hidden=(4,))
    assert seen, "no checkpoint appeared during training"
    assert seen[0]["kind"] == "bp" and "state_dict" in seen[0]
    assert load_model(path).kind == "bp"


@pytest.mark.parametrize("where", ["energy", "forces", "positions"])
def test_nan_in_the_training_data_is_rejected(water, where):
    frames = [labelled_copy(atoms) for atoms in water[0][:8]]
    bad = frames[3]
    energy, forces = bad.get_potential_energy(), bad.get_forces().copy()
    if where == "energy":
        energy = float("nan")
    elif where == "forces":
        forces[0, 0] = np.nan
    else:
        bad.positions[0, 0] = np.nan
    frames[3] = labelled_copy(bad, energy, forces)
    with pytest.raises(ValueError, match="(?i)nan"):
        train_new_model("bp", frames, None, quick_config(epochs=2, time_budget=None), hidden=(4,))


def test_float32_training_works(water):
    result = train_bp(*water, epochs=20, dtype="float32")
    assert next(result.model.parameters()).dtype == torch.float32
    assert result.history[result.best_epoch - 1].val_loss < 0.5 * result.history[0].val_loss


def test_cuda_request_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA"):
        resolve_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_training_runs_on_cuda(water):
    result = train_bp(*water, seconds=1.0, device="cuda")
    assert result.device.startswith("cuda")
    assert result.history[result.best_epoch - 1].val_loss < result.history[0].val_loss


def test_cartesian_model_fits_the_training_set_but_fails_on_rotated_copies(water, trained_models):
    model, train_frames = trained_models["cartesian"], water[0]
    rng = np.random.default_rng(7)
    rotated = []
    for atoms in train_frames:
        rotation = random_rotation(rng)
        copy = atoms.copy()
        copy.positions = atoms.positions @ rotation.T
        rotated.append(labelled_copy(copy, atoms.get_potential_energy(), atoms.get_forces() @ rotation.T))
    on_training_set = error_metrics(model, AtomicBatch.from_atoms(train_frames, model.cutoff_radius))
    on_rotated = error_metrics(model, AtomicBatch.from_atoms(rotated, model.cutoff_radius))
    assert on_rotated["energy_mae_mev"] > 100 * on_training_set["energy_mae_mev"], (on_rotated, on_training_set)
    assert on_rotated["force_mae_mev_per_a"] > 5 * on_training_set["force_mae_mev_per_a"]


# --- the robust recipe: select on absolute errors, keep a weight average, not worse when longer ---------

def test_the_kept_epoch_has_the_lowest_validation_mean_absolute_error(water):
    """With selection = "mae" the kept epoch minimises alpha * energy MAE per atom + beta * force MAE,
    not the squared loss (which a few stretched structures can dominate); with a weight average it
    is the average that is validated and kept."""
    result = train_bp(*water, epochs=25, selection="mae", alpha=0.5, ema_decay=0.9)
    scores = {r.epoch: 0.5 * r.val_energy_mae + r.val_force_mae for r in result.history}
    assert result.best_epoch == min(scores, key=scores.get)
    val_batch = AtomicBatch.from_atoms(water[1], result.model.cutoff_radius)
    metrics = error_metrics(result.model, val_batch)
    assert metrics["force_mae"] == pytest.approx(result.history[result.best_epoch - 1].val_force_mae, rel=1e-10)
    score = selection_score(metrics, quick_config(selection="mae", alpha=0.5))
    assert score == pytest.approx(scores[result.best_epoch])
    assert selection_score(metrics, quick_config(selection="loss")) == metrics["loss"]


def test_weight_average_follows_its_formula():
    """theta_avg <- d theta_avg + (1 - d) theta with d = min(decay, (1 + t) / (10 + t))."""
    model = torch.nn.Linear(2, 1)
    average = WeightAverage(model, decay=0.5)
    expected = model.weight.detach().clone()
    for step in range(1, 6):
        with torch.no_grad():
            model.weight.add_(1.0)
        average.update(model)
        decay = min(0.5, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * model.weight.detach()
        assert torch.allclose(average.model.weight, expected)
    assert not torch.equal(average.model.weight, model.weight)


def test_the_weight_average_is_what_is_kept_and_saved(water, tmp_path):
    """Averaging does not change the optimiser's path; it changes what is kept: without it the last
    step's weights, with it their moving average (in the model and in the checkpoint)."""
    path, last_step = tmp_path / "averaged.pt", {}

    def run(ema_decay):
        model = build_model("bp", [1, 8], seed=0, **MODEL_OPTIONS["bp"])

        def callback(report):  # meanwhile the model object holds the optimiser's own weights
            last_step[ema_decay] = {name: tensor.clone() for name, tensor in model.state_dict().items()}

        train(model, water[0], None, quick_config(epochs=8, ema_decay=ema_decay, checkpoint_path=str(path)),
              callback)
        return model.state_dict()

    plain, averaged = run(None), run(0.9)
    for name, tensor in last_step[None].items():
        assert torch.equal(last_step[0.9][name], tensor), name  # the same path with and without averaging
        assert torch.equal(plain[name], tensor), name
    assert any(not torch.equal(averaged[name], last_step[0.9][name]) for name in averaged)
    saved = load_model(path).state_dict()
    assert all(torch.equal(saved[name], tensor) for name, tensor in averaged.items())


def test_atomistic_kinds_default_to_the_robust_recipe_and_surfaces_keep_theirs():
    for kind in ("bp", "equivariant"):
        config = default_config(kind, device="cpu")
        assert config.selection == "mae" and 0.99 <= config.ema_decay < 1 and config.schedule == "cosine"
    surface = default_config("surface", device="cpu")
    assert surface.selection == "loss" and surface.ema_decay is None


def test_plateau_schedule_halves_the_rate_after_validations_without_improvement(water):
    """schedule = "plateau": lr * lr_factor once lr_patience validations in a row found nothing better."""
    result = train_bp(*water, epochs=30, schedule="plateau", lr_patience=2, selection="mae")
    rates = [report.learning_rate for report in result.history]
    assert rates[0] == pytest.approx(1e-2) and rates == sorted(rates, reverse=True)
    assert rates[-1] < rates[0]  # it did stall and lower the rate
    for epoch in range(1, len(rates)):
        if rates[epoch] < rates[epoch - 1]:
            assert rates[epoch] == pytest.approx(max(0.5 * rates[epoch - 1], 1e-2 * 0.01))  # floor: final ratio
            assert not any(report.is_best for report in result.history[epoch - 2:epoch])
