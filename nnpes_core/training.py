"""Training a potential: the energy + force loss, minimised with Adam.

    L(theta) = alpha * < (E_theta(R) - E_ref)^2 / N^2 >  +  beta * < |(-dE_theta/dR) - F_ref|^2 / 3 >

averaged over structures (energy per atom, eV^2) and force components ((eV/Å)^2). Forces come from the
shared autograd function with ``create_graph=True``, so the force error itself can be differentiated with
respect to the weights. alpha = 0 trains on forces only: the energy is then learned up to a constant.

The trainer reports every epoch to a callback (the app draws live curves from it), keeps the model with
the best validation error (early stopping, and what a crash or a stop leaves behind), follows a cosine
learning-rate schedule over the epochs or over a wall-clock budget, and runs on CUDA when present.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models import build_model, energy_and_forces, save_model
from nnpes_core.threads import torch_threads


@dataclass
class TrainingConfig:
    alpha: float = 1.0  # weight of the energy term
    beta: float = 1.0  # weight of the force term
    learning_rate: float = 5e-3
    final_learning_rate_ratio: float = 0.01  # the cosine schedule ends at learning_rate * this
    epochs: int = 2000
    time_budget: float | None = None  # seconds of training; None = run all epochs
    batch_size: int = 32
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1", ...
    dtype: str = "float64"  # or "float32" (the per-kind defaults use float32, see DEFAULTS)
    seed: int = 0
    patience: int | None = None  # stop after this many validations without improvement
    validate_every: int = 1  # epochs
    checkpoint_path: str | None = None  # best model so far is written here (atomically)
    weight_decay: float = 0.0
    # CPU threads while training (restored afterwards); None leaves torch's setting alone. Small
    # molecules make tiny tensors: one thread trained water 2.3x faster than two (benchmarks/).
    threads: int | None = None

    def validate(self) -> None:
        if self.alpha < 0 or self.beta < 0 or self.alpha + self.beta == 0:
            raise ValueError("alpha and beta must be >= 0 and not both 0")
        if self.learning_rate <= 0 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("learning rate, epochs and batch size must be positive")
        if self.dtype not in ("float32", "float64"):
            raise ValueError("dtype must be float32 or float64")
        if self.time_budget is not None and self.time_budget <= 0:
            raise ValueError("the time budget must be positive (seconds)")
        if self.threads is not None and self.threads < 1:
            raise ValueError("threads must be at least 1")


@dataclass
class EpochReport:
    epoch: int
    elapsed: float  # s since training started
    learning_rate: float
    train_loss: float
    train_energy_loss: float  # (eV/atom)^2
    train_force_loss: float  # (eV/Å)^2
    val_energy_mae: float | None = None  # meV/atom
    val_force_mae: float | None = None  # meV/Å
    val_loss: float | None = None
    is_best: bool = False
    structures_per_second: float = 0.0


@dataclass
class TrainingResult:
    model: nn.Module
    history: list[EpochReport] = field(default_factory=list)
    best_epoch: int = 0
    best_val_loss: float = math.inf
    stop_reason: str = "finished"  # finished, time budget, early stopping, stopped, diverged
    elapsed: float = 0.0
    device: str = "cpu"
    best_state: dict = field(default_factory=dict, repr=False)  # weights of the best epoch

    @property
    def epochs_run(self) -> int:
        return self.history[-1].epoch if self.history else 0


# Defaults per model kind, measured on the shipped water data (benchmarks/train_water.py): float32
# trains about twice as many epochs per second as float64 on a CPU and reaches lower errors within a
# time budget. Checks and dynamics convert the trained weights to float64 (load_model(dtype=...)).
DEFAULTS: dict[str, dict] = {
    "cartesian": dict(learning_rate=3e-3, batch_size=32, epochs=500, dtype="float32"),
    "direct": dict(learning_rate=5e-3, batch_size=32, epochs=500, dtype="float32"),
    "bp": dict(learning_rate=5e-3, batch_size=32, epochs=500, dtype="float32"),
    "equivariant": dict(learning_rate=5e-3, batch_size=16, epochs=300, dtype="float32"),
}
# On a GPU small batches leave it idle (kernel-launch bound): take large ones instead.
GPU_BATCH_SIZE = 128


def default_config(kind: str, **overrides) -> TrainingConfig:
    """The training settings for a model kind, with any field overridden (a GPU gets large batches;
    the CPU one thread, the fastest for the small molecules of the course)."""
    settings = {**DEFAULTS.get(kind, {}), "threads": 1}
    device = overrides.get("device", "auto")
    if resolve_device(device).type == "cuda":
        settings["threads"] = None
        if "batch_size" not in overrides:
            settings["batch_size"] = GPU_BATCH_SIZE
    return TrainingConfig(**{**settings, **overrides})


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no GPU is available (torch.cuda.is_available() is False)")
    return torch.device(device)


def loss_terms(model: nn.Module, batch: AtomicBatch, alpha: float, beta: float, training: bool = True):
    """(loss, energy term, force term) of the energy + force loss on one batch."""
    energy, forces = energy_and_forces(model, batch, training=training)
    per_atom = (energy - batch.energy) / batch.atoms_per_structure
    energy_term = per_atom.pow(2).mean()
    force_term = (forces - batch.forces).pow(2).mean()
    return alpha * energy_term + beta * force_term, energy_term, force_term


def predict(model: nn.Module, batch: AtomicBatch, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies [n_structures] and forces [n_atoms, 3] for a whole data set, in chunks, detached."""
    energies, forces = [], []
    for start in range(0, batch.n_structures, chunk):
        part = batch.select(torch.arange(start, min(start + chunk, batch.n_structures)))
        energy, force = energy_and_forces(model, part)
        energies.append(energy.detach())
        forces.append(force.detach())
    return torch.cat(energies), torch.cat(forces)


def error_metrics(model: nn.Module, batch: AtomicBatch, alpha: float = 1.0, beta: float = 1.0) -> dict:
    """Energy MAE (meV/structure, meV/atom), force MAE and RMSE (meV/Å) against the batch's labels."""
    energy, forces = predict(model, batch)
    per_structure = (energy - batch.energy).abs()
    per_atom = per_structure / batch.atoms_per_structure
    force_error = forces - batch.forces
    return {
        "n_structures": batch.n_structures,
        "energy_mae_mev": 1e3 * float(per_structure.mean()),
        "energy_mae_mev_per_atom": 1e3 * float(per_atom.mean()),
        "energy_rmse_mev": 1e3 * float(per_structure.pow(2).mean().sqrt()),
        "force_mae_mev_per_a": 1e3 * float(force_error.abs().mean()),
        "force_rmse_mev_per_a": 1e3 * float(force_error.pow(2).mean().sqrt()),
        "loss": float(alpha * per_atom.pow(2).mean() + beta * force_error.pow(2).mean()),
    }


def _as_batch(data, cutoff_radius: float, dtype, device) -> AtomicBatch:
    if isinstance(data, AtomicBatch):
        return data.to(device, dtype)
    frames = list(data)
    batch = AtomicBatch.from_atoms(frames, cutoff_radius, dtype=dtype, device=device)
    if batch.energy is None or batch.forces is None:
        raise ValueError("training data must carry energies and forces for every structure")
    for name, values in (("positions", batch.positions), ("energies", batch.energy), ("forces", batch.forces)):
        if not bool(torch.isfinite(values).all()):
            raise ValueError(f"the training data contain NaN or infinite {name}")
    return batch


def train(
    model: nn.Module,
    train_data: Sequence[Atoms] | AtomicBatch,
    val_data: Sequence[Atoms] | AtomicBatch | None,
    config: TrainingConfig,
    callback: Callable[[EpochReport], bool | None] | None = None,
    fit_normalisation: bool = True,
) -> TrainingResult:
    """Fit ``model`` in place; returns it with the best validation weights loaded.

    ``callback(report)`` is called after every epoch; returning False stops training cleanly (the
    app's stop button). A loss that turns NaN stops training and keeps the last good weights.
    """
    config.validate()
    device = resolve_device(config.device)
    dtype = getattr(torch, config.dtype)
    model = model.to(device=device, dtype=dtype)
    train_batch = _as_batch(train_data, model.cutoff_radius, dtype, device)
    val_batch = _as_batch(val_data, model.cutoff_radius, dtype, device) if val_data is not None else None
    model.check_elements(train_batch.numbers)
    if fit_normalisation and hasattr(model, "fit_to_data"):
        model.fit_to_data(train_batch, use_energies=config.alpha > 0)

    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 weight_decay=config.weight_decay)
    result = TrainingResult(model=model, device=str(device))
    result.best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    try:
        with torch_threads(config.threads):
            _epochs(model, train_batch, val_batch, config, callback, optimizer, generator, result, start)
    except KeyboardInterrupt:
        result.stop_reason = "interrupted"
    finally:
        # whatever ends the loop (the end, a stop, Ctrl-C, an exception raised by the callback such
        # as Streamlit's rerun), the model left behind holds the best weights seen, also on disk
        if result.best_epoch:
            model.load_state_dict(result.best_state)
        model.eval()
        result.elapsed = time.perf_counter() - start
        if config.checkpoint_path and result.best_epoch:
            _save_best(model, result.best_state, config, result)
    return result


def _epochs(model, train_batch, val_batch, config, callback, optimizer, generator, result, start) -> None:
    device, dtype = train_batch.positions.device, train_batch.positions.dtype
    n_train = train_batch.n_structures
    validations_since_best, last_save = 0, 0.0
    for epoch in range(1, config.epochs + 1):
        learning_rate = set_epoch_learning_rate(optimizer, config, epoch, start)

        model.train()
        epoch_start = time.perf_counter()
        order = torch.randperm(n_train, generator=generator).to(device)
        totals = torch.zeros(3, dtype=dtype, device=device)
        for first in range(0, n_train, config.batch_size):
            minibatch = train_batch.select(order[first:first + config.batch_size])
            loss, energy_term, force_term = loss_terms(model, minibatch, config.alpha, config.beta)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            totals += minibatch.n_structures * torch.stack([loss, energy_term, force_term]).detach()
        totals = (totals / n_train).tolist()
        report = EpochReport(epoch=epoch, elapsed=0.0, learning_rate=learning_rate,
                             train_loss=totals[0], train_energy_loss=totals[1], train_force_loss=totals[2],
                             structures_per_second=n_train / (time.perf_counter() - epoch_start))

        if not math.isfinite(report.train_loss):
            result.stop_reason = "diverged"
            break
        if val_batch is not None and (epoch % config.validate_every == 0 or epoch == config.epochs):
            model.eval()
            metrics = error_metrics(model, val_batch, config.alpha, config.beta)
            report.val_energy_mae = metrics["energy_mae_mev_per_atom"]
            report.val_force_mae = metrics["force_mae_mev_per_a"]
            report.val_loss = metrics["loss"]
            if report.val_loss < result.best_val_loss:
                result.best_val_loss, result.best_epoch, report.is_best = report.val_loss, epoch, True
                result.best_state = copy.deepcopy(model.state_dict())
                validations_since_best = 0
            else:
                validations_since_best += 1
        elif val_batch is None:
            report.is_best, result.best_epoch = True, epoch
            result.best_state = copy.deepcopy(model.state_dict())

        report.elapsed = time.perf_counter() - start
        result.history.append(report)
        if config.checkpoint_path and report.is_best and report.elapsed - last_save > 2.0:
            _save_best(model, result.best_state, config, result)
            last_save = report.elapsed
        if callback is not None and callback(report) is False:
            result.stop_reason = "stopped"
            break
        if config.patience is not None and validations_since_best >= config.patience:
            result.stop_reason = "early stopping"
            break
        if config.time_budget and report.elapsed >= config.time_budget:
            result.stop_reason = "time budget"
            break


def job_callback(progress, config: TrainingConfig) -> Callable[[EpochReport], bool]:
    """The epoch callback for ``train`` inside a job (nnpes_core.jobs): reports the fraction done (of
    the time budget or the epochs) and the history so far as ``progress.partial["history"]``, and stops
    training cleanly once the job is asked to stop (the best weights are kept)."""
    history: list[EpochReport] = []

    def callback(report: EpochReport) -> bool:
        history.append(report)
        fraction = report.elapsed / config.time_budget if config.time_budget else report.epoch / config.epochs
        text = f"epoch {report.epoch} · {report.elapsed:.1f} s"
        if report.val_force_mae is not None:
            text += f" · validation force MAE {report.val_force_mae:.3g}"
        progress.update(fraction, text, history=history)
        return not progress.stop_requested

    return callback


def set_epoch_learning_rate(optimizer: torch.optim.Optimizer, config: TrainingConfig, epoch: int,
                            start: float) -> float:
    """Set and return the learning rate of ``epoch`` (from 1) on the cosine schedule of ``config``.

    Progress is the fraction of epochs done or, with a time budget, of the budget used since ``start``
    (a ``time.perf_counter()`` value), whichever is further: a timed run still ends its schedule.
    """
    progress = (epoch - 1) / config.epochs
    if config.time_budget:
        progress = max(progress, (time.perf_counter() - start) / config.time_budget)
    learning_rate = _cosine(config.learning_rate, config.final_learning_rate_ratio, progress)
    for group in optimizer.param_groups:
        group["lr"] = learning_rate
    return learning_rate


def _cosine(initial: float, final_ratio: float, progress: float) -> float:
    progress = min(max(progress, 0.0), 1.0)
    return initial * (final_ratio + (1 - final_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def _save_best(model: nn.Module, best_state: dict, config: TrainingConfig, result: TrainingResult) -> None:
    snapshot = copy.deepcopy(model)
    snapshot.load_state_dict(best_state)
    metadata = {"training": {k: v for k, v in asdict(config).items() if v is not None},
                "best_epoch": result.best_epoch, "best_val_loss": float(result.best_val_loss),
                "stop_reason": result.stop_reason}
    save_model(snapshot, Path(config.checkpoint_path), metadata)


def train_new_model(kind: str, train_frames: Sequence[Atoms], val_frames: Sequence[Atoms] | None,
                    config: TrainingConfig, callback=None, **model_options) -> TrainingResult:
    """Build a model of ``kind`` for the elements of the training data (seeded) and train it."""
    numbers = train_frames[0].numbers if kind == "cartesian" else sorted(
        {int(z) for atoms in train_frames for z in atoms.numbers})
    with torch.random.fork_rng(devices=[]):  # seeded initialisation without touching global state
        torch.manual_seed(config.seed)
        model = build_model(kind, numbers, **model_options)
    return train(model, train_frames, val_frames, config, callback)
