"""Training a potential: the energy + force loss, minimised with Adam. THE training loop of the course.

    L(theta) = alpha * < (E_theta(R) - E_ref)^2 / N^2 >  +  beta * < |(-dE_theta/dR) - F_ref|^2 / d >

averaged over structures (energy per atom, eV^2) and force components ((eV/Å)^2). Forces come from the
shared autograd function with ``create_graph=True``, so the force error itself can be differentiated with
respect to the weights. alpha = 0 trains on forces only: the energy is then learned up to a constant.

The same loop trains every model of the registry: molecules and crystals (lists of ``ase.Atoms`` or an
``AtomicBatch``) and 2-D surfaces (``SurfacePoints``, where a point is a "structure" with one "atom"
and d = 2 force components; errors are then in the surface's own units).

The trainer reports every epoch to a callback (the app draws live curves from it), keeps the model with
the best validation error (early stopping, and what a crash or a stop leaves behind), follows a cosine
learning-rate schedule over the epochs or over a wall-clock budget, and runs on CUDA when present.
The atomistic kinds use a robust recipe (TrainingConfig.selection, ema_decay): the kept epoch is the one
with the lowest validation *mean absolute* error, and what is validated and kept is an exponential
moving average of the weights, so a longer budget does not end worse than a shorter one (issue 9).
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.derivatives import energy_and_forces
from nnpes_core.models import Committee, build_model, elements_for, kind_spec, save_model
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
    # --- the robust recipe (off here; the atomistic kinds switch it on in their training_defaults) ---
    selection: str = "loss"  # what picks the kept epoch: "loss" (squared) or "mae" (absolute errors)
    ema_decay: float | None = None  # keep and validate an exponential moving average of the weights
    schedule: str = "cosine"  # "cosine" over the run, or "plateau": lr * lr_factor when validation stalls
    lr_patience: int = 10  # validations without a better score before the plateau schedule lowers lr
    lr_factor: float = 0.5

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
        if self.selection not in ("loss", "mae"):
            raise ValueError("selection must be 'loss' or 'mae'")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError("ema_decay must lie between 0 and 1")
        if self.schedule not in ("cosine", "plateau"):
            raise ValueError("schedule must be 'cosine' or 'plateau'")


@dataclass
class EpochReport:
    epoch: int
    elapsed: float  # s since training started
    learning_rate: float
    train_loss: float
    train_energy_loss: float  # (eV/atom)^2
    train_force_loss: float  # (eV/Å)^2
    val_energy_mae: float | None = None  # meV/atom (2-D surfaces: the surface's energy unit)
    val_force_mae: float | None = None  # meV/Å (2-D surfaces: its force unit)
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
    started: float = 0.0  # time.perf_counter() when training began

    @property
    def epochs_run(self) -> int:
        return self.history[-1].epoch if self.history else 0


# On a GPU small batches leave it idle (kernel-launch bound): take large ones instead.
GPU_BATCH_SIZE = 128


def default_config(kind: str, **overrides) -> TrainingConfig:
    """The training settings for a model kind, with any field overridden (a GPU gets large batches;
    the CPU one thread, the fastest for the small molecules of the course)."""
    settings = {**kind_spec(kind).training_defaults, "threads": 1}
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
    if beta == 0:  # energies only: no forces, so no second backward pass through them
        energy = model(batch)
        force_term = torch.zeros((), dtype=batch.positions.dtype, device=batch.positions.device)
    else:
        energy, forces = energy_and_forces(model, batch, training=training)
        force_term = (forces - batch.forces).pow(2).mean()
    per_atom = (energy - batch.energy) / batch.atoms_per_structure
    energy_term = per_atom.pow(2).mean()
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


def error_metrics(model: nn.Module, batch: AtomicBatch | SurfacePoints, alpha: float = 1.0,
                  beta: float = 1.0) -> dict:
    """Energy and force errors against the batch's labels, and the loss.

    ``energy_mae`` (per structure), ``energy_mae_per_atom``, ``energy_rmse``, ``force_mae``, ``force_rmse``
    are in the batch's reporting units: meV, meV/atom and meV/Å for molecules and crystals (also under the
    names ``energy_mae_mev``, ``energy_mae_mev_per_atom``, ``energy_rmse_mev``, ``force_mae_mev_per_a``,
    ``force_rmse_mev_per_a``), the surface's own units for 2-D points. ``loss`` is in eV² (surface units²).
    """
    energy, forces = predict(model, batch)
    per_structure = energy - batch.energy
    per_atom = per_structure / batch.atoms_per_structure
    force_error = forces - batch.forces
    scale = batch.error_scale
    metrics = {
        "n_structures": batch.n_structures,
        "energy_mae": scale * float(per_structure.abs().mean()),
        "energy_mae_per_atom": scale * float(per_atom.abs().mean()),
        "energy_rmse": scale * float(per_structure.pow(2).mean().sqrt()),
        "force_mae": scale * float(force_error.abs().mean()),
        "force_rmse": scale * float(force_error.pow(2).mean().sqrt()),
        "loss": float(alpha * per_atom.pow(2).mean() + beta * force_error.pow(2).mean()),
    }
    if isinstance(batch, AtomicBatch):
        metrics.update(energy_mae_mev=metrics["energy_mae"], energy_mae_mev_per_atom=metrics["energy_mae_per_atom"],
                       energy_rmse_mev=metrics["energy_rmse"], force_mae_mev_per_a=metrics["force_mae"],
                       force_rmse_mev_per_a=metrics["force_rmse"])
    return metrics


def as_batch(data, model: nn.Module, dtype: torch.dtype, device) -> AtomicBatch | SurfacePoints:
    """Training data as a labelled batch for ``model``: an AtomicBatch (from a list of ase.Atoms, built
    with the model's cutoff) or SurfacePoints, on ``device`` in ``dtype``; its elements checked."""
    if isinstance(data, (AtomicBatch, SurfacePoints)):
        batch = data.to(device, dtype)
    else:
        batch = AtomicBatch.from_atoms(list(data), model.cutoff_radius, dtype=dtype, device=device)
    if batch.energy is None or batch.forces is None:
        raise ValueError("training data must carry energies and forces for every structure")
    if hasattr(model, "check_elements"):
        model.check_elements(batch.numbers)
    for name, values in (("positions", batch.positions), ("energies", batch.energy), ("forces", batch.forces)):
        if not bool(torch.isfinite(values).all()):
            raise ValueError(f"the training data contain NaN or infinite {name}")
    return batch


def train(
    model: nn.Module,
    train_data: Sequence[Atoms] | AtomicBatch | SurfacePoints,
    val_data: Sequence[Atoms] | AtomicBatch | SurfacePoints | None,
    config: TrainingConfig,
    callback: Callable[[EpochReport], bool | None] | None = None,
    fit_normalisation: bool = True,
    metadata: dict | None = None,
) -> TrainingResult:
    """Fit ``model`` in place; returns it with the best validation weights loaded.

    ``callback(report)`` is called after every epoch; returning False stops training cleanly (the
    app's stop button). A loss that turns NaN stops training and keeps the last good weights. With
    ``config.checkpoint_path`` the best model so far is written there (atomically, with ``metadata`` and
    the training's own provenance: ``training_provenance``), so a crash never loses it.
    """
    config.validate()
    device = resolve_device(config.device)
    dtype = getattr(torch, config.dtype)
    model = model.to(device=device, dtype=dtype)
    train_batch = as_batch(train_data, model, dtype, device)
    val_batch = as_batch(val_data, model, dtype, device) if val_data is not None else None
    if fit_normalisation and hasattr(model, "fit_to_data"):
        model.fit_to_data(train_batch, use_energies=config.alpha > 0)

    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 weight_decay=config.weight_decay)
    result = TrainingResult(model=model, device=str(device))
    result.best_state = copy.deepcopy(model.state_dict())
    start = result.started = time.perf_counter()
    try:
        with torch_threads(config.threads):
            _epochs(model, train_batch, val_batch, config, callback, optimizer, generator, result, start, metadata)
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
            _save_best(model, result.best_state, config, result, metadata)
    return result


def _epochs(model, train_batch, val_batch, config, callback, optimizer, generator, result, start, metadata) -> None:
    device, dtype = train_batch.positions.device, train_batch.positions.dtype
    n_train = train_batch.n_structures
    average = WeightAverage(model, config.ema_decay) if config.ema_decay else None
    validated = average.model if average else model  # the weights that are validated and kept
    best_score, plateau_scale, since_lowered = math.inf, 1.0, 0
    validations_since_best, last_save = 0, 0.0
    for epoch in range(1, config.epochs + 1):
        learning_rate = set_epoch_learning_rate(optimizer, config, epoch, start, plateau_scale)

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
            if average:
                average.update(model)
            totals += minibatch.n_structures * torch.stack([loss, energy_term, force_term]).detach()
        totals = (totals / n_train).tolist()
        report = EpochReport(epoch=epoch, elapsed=0.0, learning_rate=learning_rate,
                             train_loss=totals[0], train_energy_loss=totals[1], train_force_loss=totals[2],
                             structures_per_second=n_train / (time.perf_counter() - epoch_start))

        if not math.isfinite(report.train_loss):
            result.stop_reason = "diverged"
            break
        if val_batch is not None and (epoch % config.validate_every == 0 or epoch == config.epochs):
            validated.eval()
            metrics = error_metrics(validated, val_batch, config.alpha, config.beta)
            report.val_energy_mae = metrics["energy_mae_per_atom"]
            report.val_force_mae = metrics["force_mae"]
            report.val_loss = metrics["loss"]
            score = selection_score(metrics, config)
            if score < best_score:
                best_score, result.best_val_loss, result.best_epoch = score, report.val_loss, epoch
                report.is_best = True
                result.best_state = copy.deepcopy(validated.state_dict())
                validations_since_best = since_lowered = 0
            else:
                validations_since_best += 1
                since_lowered += 1
                if config.schedule == "plateau" and since_lowered >= config.lr_patience:
                    plateau_scale = max(plateau_scale * config.lr_factor, config.final_learning_rate_ratio)
                    since_lowered = 0
        elif val_batch is None:
            report.is_best, result.best_epoch = True, epoch
            result.best_state = copy.deepcopy(validated.state_dict())

        report.elapsed = time.perf_counter() - start
        result.history.append(report)
        if config.checkpoint_path and report.is_best and report.elapsed - last_save > 2.0:
            _save_best(model, result.best_state, config, result, metadata)
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


def selection_score(metrics: dict, config: TrainingConfig) -> float:
    """The validation error that picks the kept epoch (lower is better).

    "loss": the squared loss itself. "mae": alpha * energy MAE per atom + beta * force MAE, the same
    weighting with absolute instead of squared errors, so a few badly fitted (stretched, hot)
    structures cannot outvote the many typical ones.
    """
    if config.selection == "loss":
        return metrics["loss"]
    return config.alpha * metrics["energy_mae_per_atom"] + config.beta * metrics["force_mae"]


class WeightAverage:
    """An exponential moving average of the weights, updated after every optimiser step:

        theta_avg <- d * theta_avg + (1 - d) * theta,    d = min(decay, (1 + t) / (10 + t))  at step t

    The average smooths out the step-to-step noise of stochastic gradients (it is what the averaged
    model validates and keeps); the growing d lets it forget the random start quickly in short runs.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.model = copy.deepcopy(model)  # the averaged weights (buffers as in the model)
        self.decay, self.steps = decay, 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for averaged, current in zip(self.model.parameters(), model.parameters()):
            averaged.lerp_(current, 1.0 - decay)


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
                            start: float, plateau_scale: float = 1.0) -> float:
    """Set and return the learning rate of ``epoch`` (from 1) on the schedule of ``config``.

    Progress is the fraction of epochs done or, with a time budget, of the budget used since ``start``
    (a ``time.perf_counter()`` value), whichever is further: a timed run still ends its schedule.
    """
    progress = (epoch - 1) / config.epochs
    if config.time_budget:
        progress = max(progress, (time.perf_counter() - start) / config.time_budget)
    if config.schedule == "plateau":
        learning_rate = config.learning_rate * plateau_scale
    else:
        learning_rate = _cosine(config.learning_rate, config.final_learning_rate_ratio, progress)
    for group in optimizer.param_groups:
        group["lr"] = learning_rate
    return learning_rate


def _cosine(initial: float, final_ratio: float, progress: float) -> float:
    progress = min(max(progress, 0.0), 1.0)
    return initial * (final_ratio + (1 - final_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def training_provenance(model: nn.Module, config: TrainingConfig, result: TrainingResult) -> dict:
    """What a saved model says about how it was made: kind, settings, epochs, the best validation
    errors, why training stopped, and the versions of the software."""
    import platform

    best = next((r for r in result.history if r.epoch == result.best_epoch), None)
    return {
        "kind": getattr(model, "kind", type(model).__name__),
        "training": {k: v for k, v in asdict(config).items() if v is not None},
        "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
        "best_val_loss": float(result.best_val_loss), "stop_reason": result.stop_reason,
        "seconds": round(time.perf_counter() - result.started, 2) if result.started else result.elapsed,
        "best_validation": None if best is None or best.val_force_mae is None else {
            "energy_mae_mev_per_atom": best.val_energy_mae, "force_mae_mev_per_a": best.val_force_mae},
        "device": result.device,
        "versions": {"python": platform.python_version(), "torch": str(torch.__version__), "nnpes_core": _version()},
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nnpes-lab")
    except PackageNotFoundError:
        return "unknown"


def _save_best(model: nn.Module, best_state: dict, config: TrainingConfig, result: TrainingResult,
               metadata: dict | None = None) -> None:
    snapshot = copy.deepcopy(model)
    snapshot.load_state_dict(best_state)
    save_model(snapshot, Path(config.checkpoint_path), {**(metadata or {}), **training_provenance(model, config, result)})


def train_new_model(kind: str, train_data, val_data, config: TrainingConfig, callback=None,
                    metadata: dict | None = None, **model_options) -> TrainingResult:
    """Build a model of ``kind`` for the training data (seeded with ``config.seed``) and train it.

    For molecules the model gets every element of the data (``elements_for``); for 2-D surfaces the
    data are SurfacePoints."""
    elements = [] if isinstance(train_data, (SurfacePoints, AtomicBatch)) else elements_for(kind, train_data)
    if isinstance(train_data, AtomicBatch):
        elements = sorted(set(train_data.numbers.tolist()))
    model = build_model(kind, elements, seed=config.seed, **model_options)
    return train(model, train_data, val_data, config, callback, metadata=metadata)


def bootstrap_sample(n: int, seed: int) -> list[int]:
    """Indices of a bootstrap resample: n draws with replacement (about 63 % of the items, some twice)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, n, (n,), generator=generator).tolist()


def train_committee(kind: str, train_data, val_data, config: TrainingConfig, n_members: int = 4,
                    bootstrap: bool = True, progress: Callable[[int, int], None] | None = None,
                    **model_options) -> Committee:
    """``n_members`` models of ``kind`` that differ in their seed (config.seed + m) and, with
    ``bootstrap``, in a resampled training set: the committee whose spread estimates the error."""
    if n_members < 1:
        raise ValueError("a committee needs at least one member")
    members = []
    for member in range(n_members):
        seed = config.seed + member
        data = train_data
        if bootstrap:
            chosen = bootstrap_sample(_length(train_data), seed)
            data = train_data.select(chosen) if hasattr(train_data, "select") else [train_data[i] for i in chosen]
        members.append(train_new_model(kind, data, val_data, replace(config, seed=seed), **model_options).model)
        if progress is not None:
            progress(member + 1, n_members)
    return Committee(members).eval()


def _length(data) -> int:
    return data.n_structures if hasattr(data, "n_structures") else len(data)
