"""The active-learning loop: train a committee, find where it is unsure, label there, repeat.

    labelled = n_start structures
    repeat rounds + 1 times:
        committee = train_committee(labelled)            members: seeds and bootstrap subsets differ
        record the test error (the learning curve: error against labels)
        sigma = committee spread on every candidate       (pool structures, or MD snapshots)
        stop if max sigma < threshold                     (the optional stopping rule)
        labelled += label(the k candidates picked by the strategy)

The test set is only ever used to draw the learning curve, never to choose. Training uses
``nnpes_core.training.train_committee`` (one training loop for molecules and 2-D surfaces alike), and
each round is short: a wall-clock ``time_budget`` shared by the members, or a fixed number of
``epochs`` per member (reproducible on any machine). A stop request (``progress.stop_requested``) is
honoured as soon as the round's committee is trained (``train_committee`` has no epoch callback, which
is why rounds are kept short); everything recorded so far is returned, so a stopped loop keeps its
partial learning curve.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from nnpes_core.active_learning.pool import budget_fits, concatenate, data_length
from nnpes_core.active_learning.selection import check_strategy, select
from nnpes_core.active_learning.uncertainty import SCORES, committee_spread
from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.jobs import Progress
from nnpes_core.models import Committee, kind_spec
from nnpes_core.training import as_batch, default_config, error_metrics, train_committee


@dataclass
class ActiveLearningSettings:
    kind: str = "bp"  # model kind of the members (nnpes_core.models.KINDS)
    n_start: int = 10  # labelled structures to begin with
    n_add: int = 10  # labels per round (k)
    rounds: int = 5  # rounds of picking; the learning curve has rounds + 1 points
    strategy: str = "uncertainty"  # or "random"
    committee_size: int = 4  # members M
    time_budget: float | None = None  # s of training per round, shared by the members; None: epochs decide
    epochs: int = 300  # per member and round (the cap when there is a time budget)
    seed: int = 0
    score: str = "force"  # "force": largest atomic force spread; "energy": energy spread
    stop_threshold: float | None = None  # stop once every candidate's spread is below this (eV/Å, or eV)
    model_options: dict[str, Any] = field(default_factory=dict)  # e.g. hidden=(32, 32)
    training: dict[str, Any] = field(default_factory=dict)  # TrainingConfig overrides (learning_rate, ...)

    def validate(self) -> None:
        kind_spec(self.kind)
        check_strategy(self.strategy)
        if self.score not in SCORES:
            raise ValueError(f"unknown uncertainty score {self.score!r}: choose one of {', '.join(SCORES)}")
        if self.n_start < 2 or self.n_add < 1 or self.rounds < 0 or self.committee_size < 2 or self.epochs < 1:
            raise ValueError("active learning needs at least 2 start structures, 1 label per round, 0 or more "
                             "rounds, a committee of at least 2 members and at least 1 epoch")
        numbers = [self.time_budget] if self.time_budget is not None else []
        numbers += [] if self.stop_threshold is None else [self.stop_threshold]
        if any(not np.isfinite(x) or x <= 0 for x in numbers):
            raise ValueError("the time budget and the stopping threshold must be positive numbers")

    def round_config(self, round_index: int):
        """The TrainingConfig of one round: each member gets time_budget / M seconds (or all its epochs)."""
        budget = None if self.time_budget is None else self.time_budget / self.committee_size
        seed = 10_000 * self.seed + 100 * round_index  # members take seed, seed + 1, ...
        return default_config(self.kind, **{"epochs": self.epochs, "time_budget": budget, "seed": seed,
                                            **self.training})


@dataclass
class RoundRecord:
    round: int
    labels: int  # labelled structures the committee of this round was trained on
    test: dict[str, float]  # error_metrics of the committee mean on the test set
    train_seconds: float
    max_spread: float = float("nan")  # largest candidate spread (NaN when no candidates were scored)
    mean_spread: float = float("nan")
    n_candidates: int = 0
    picked_scores: list[float] = field(default_factory=list)  # spreads of the candidates labelled after it
    picked_positions: list = field(default_factory=list)  # 2-D points [k, 2] or structures [k][n_atoms, 3]
    label_seconds: float = 0.0

    def summary(self) -> dict:
        """Plain numbers for JSON and for a page's live figure (no positions)."""
        data = asdict(self)
        data.pop("picked_positions")
        return data


@dataclass
class ActiveLearningRun:
    settings: ActiveLearningSettings
    source: str
    rounds: list[RoundRecord] = field(default_factory=list)
    committee: Committee | None = None
    labelled: Any = None  # every labelled structure (list of Atoms or SurfacePoints)
    start_positions: Any = None  # the n_start structures' positions (2-D points [n, 2], or a list)
    stop_reason: str = "finished"  # finished, spread below threshold, stopped
    seconds: float = 0.0

    @property
    def labels(self) -> list[int]:
        return [r.labels for r in self.rounds]

    def curve(self, metric: str = "force_mae") -> list[float]:
        """The learning curve: ``metric`` of ``error_metrics`` after every round (force_mae: meV/Å)."""
        return [r.test[metric] for r in self.rounds]

    @property
    def max_spread(self) -> list[float]:
        return [r.max_spread for r in self.rounds]

    def summary(self) -> dict:
        return {"settings": asdict(self.settings), "source": self.source, "stop_reason": self.stop_reason,
                "seconds": self.seconds, "rounds": [r.summary() for r in self.rounds]}


def _positions(source, handles) -> list:
    positions = source.positions_of(handles)
    return positions.tolist() if isinstance(positions, np.ndarray) else [p.tolist() for p in positions]


def _test_batch(test_data, committee: Committee, parameter: torch.Tensor):
    """The labelled test set as one batch in the committee's dtype (2-D points: moved as they are;
    ``as_batch`` would ask a committee of surface networks for elements they do not have)."""
    if isinstance(test_data, SurfacePoints):
        return test_data.to(parameter.device, parameter.dtype)
    return as_batch(test_data, committee, parameter.dtype, parameter.device)


def _start_positions(labelled) -> list:
    if hasattr(labelled, "n_structures"):  # SurfacePoints
        return labelled.positions.tolist()
    return [atoms.positions.tolist() for atoms in labelled]


def run_active_learning(source, test_data, settings: ActiveLearningSettings, progress: Progress | None = None,
                        start_indices=None) -> ActiveLearningRun:
    """Pool- or MD-based active learning (see the module docstring); ``source`` is a ``PoolSource`` or an
    ``MDSource``, ``test_data`` labelled structures (or SurfacePoints) used only for the learning curve.

    ``progress`` (a ``nnpes_core.jobs.Progress``) receives the fraction done and ``curve`` (the rounds so
    far as plain dictionaries) and ``picks`` (the picked positions per round); its stop request ends
    the loop once the round being trained is done.
    """
    settings.validate()
    budget_fits(source, settings.n_start, settings.n_add, settings.rounds)
    progress = progress if progress is not None else Progress()
    rng = np.random.default_rng(settings.seed)
    started = time.perf_counter()
    labelled = source.initial(settings.n_start, rng, start_indices)
    run = ActiveLearningRun(settings, source.name, labelled=labelled)
    run.start_positions = _start_positions(labelled)
    test_batch = None
    total = settings.rounds + 1

    def report(message: str, fraction: float) -> None:
        progress.update(fraction, message, curve=[r.summary() for r in run.rounds],
                        picks=[r.picked_positions for r in run.rounds], start=run.start_positions)

    for round_index in range(total):
        n_labels = data_length(labelled)
        report(f"round {round_index} of {settings.rounds}: training {settings.committee_size} members on "
               f"{n_labels} labels", round_index / total)
        tick = time.perf_counter()
        committee = train_committee(settings.kind, labelled, None, settings.round_config(round_index),
                                    settings.committee_size, bootstrap=True, **settings.model_options)
        train_seconds = time.perf_counter() - tick
        if test_batch is None:
            parameter = next(committee.parameters())
            test_batch = _test_batch(test_data, committee, parameter)
        record = RoundRecord(round_index, n_labels, error_metrics(committee, test_batch), train_seconds)
        run.rounds.append(record)
        run.committee, run.labelled = committee, labelled
        if progress.stop_requested:
            run.stop_reason = "stopped"
            break

        last = round_index == settings.rounds
        if last and settings.stop_threshold is None:
            break
        batch, handles = source.candidates(committee, labelled, rng)
        scores = committee_spread(committee, batch).score(settings.score)
        record.max_spread, record.mean_spread = float(scores.max()), float(scores.mean())
        record.n_candidates = len(scores)
        if settings.stop_threshold is not None and record.max_spread < settings.stop_threshold:
            run.stop_reason = "spread below threshold"
            break
        if last:
            break
        chosen = select(settings.strategy, scores, settings.n_add, rng)
        picked = [handles[i] for i in chosen]
        tick = time.perf_counter()
        labelled = concatenate(labelled, source.label(picked))
        record.label_seconds = time.perf_counter() - tick
        record.picked_scores = scores[chosen].tolist()
        record.picked_positions = _positions(source, picked)
        report(f"round {round_index}: test force MAE {record.test['force_mae']:.3g} with {n_labels} labels; "
               f"picked {len(chosen)}", (round_index + 1) / total)
    run.seconds = time.perf_counter() - started
    report(f"{run.stop_reason}: {len(run.rounds)} rounds, {data_length(run.labelled)} labels", 1.0)
    return run
