"""Uncertainty against random selection: the same labels budget, several seeds, one table.

One seed proves little: a lucky random draw can beat a careful choice. So each strategy runs with the
same settings and the same seeds (a seed fixes the start structures, the committee's initial weights
and bootstrap subsets, and the random picks), and the curves are summarised by their median over seeds.
The number a practitioner wants is the labels each strategy needs to reach a target error,

    n*(target) = the first label count at which the median test force MAE is <= target.

The result is stored as a small JSON file (``save_comparison`` / ``load_comparison``) so that a lesson can
show a precomputed multi-seed comparison next to the single live run.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from nnpes_core.active_learning.loop import ActiveLearningSettings, run_active_learning
from nnpes_core.active_learning.selection import STRATEGIES
from nnpes_core.jobs import Progress

FORMAT = "nnpes-active-learning-comparison/1"
CURVES = {"force_mae_mev_per_a": "force_mae", "energy_mae_mev_per_atom": "energy_mae_per_atom",
          "force_rmse_mev_per_a": "force_rmse"}  # stored name -> error_metrics name


class ComparisonFileError(ValueError):
    """A file that is not a readable active-learning comparison."""


@dataclass
class StrategyComparison:
    settings: dict  # ActiveLearningSettings as a dictionary (the strategy and seed vary)
    seeds: list[int]
    # strategy -> one entry per seed: {"seed", "labels", "force_mae_mev_per_a", ..., "max_spread_ev_per_a", "seconds"}
    runs: dict[str, list[dict]] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    @property
    def strategies(self) -> list[str]:
        return list(self.runs)

    def labels(self, strategy: str) -> np.ndarray:
        return np.asarray(self.runs[strategy][0]["labels"])

    def curves(self, strategy: str, name: str = "force_mae_mev_per_a") -> np.ndarray:
        """[n_seeds, n_rounds] (rounds every seed completed)."""
        rounds = min(len(run[name]) for run in self.runs[strategy])
        return np.array([run[name][:rounds] for run in self.runs[strategy]], dtype=float)

    def median(self, strategy: str, name: str = "force_mae_mev_per_a") -> tuple[np.ndarray, np.ndarray]:
        """(labels, median over seeds) of a learning curve."""
        curves = self.curves(strategy, name)
        return self.labels(strategy)[:curves.shape[1]], np.median(curves, axis=0)

    def labels_to_reach(self, strategy: str, target: float, name: str = "force_mae_mev_per_a") -> int | None:
        """Labels at which the median curve first reaches ``target`` (None: not within this run)."""
        labels, median = self.median(strategy, name)
        reached = np.flatnonzero(median <= target)
        return int(labels[reached[0]]) if len(reached) else None

    def table(self, target: float) -> list[dict]:
        """One row per strategy: final median error, its range over seeds, labels to reach ``target``."""
        rows = []
        for strategy in self.strategies:
            labels, median = self.median(strategy)
            final = self.curves(strategy)[:, -1]
            rows.append({"strategy": strategy, "seeds": len(self.runs[strategy]), "labels": int(labels[-1]),
                         "final_median": float(median[-1]), "final_min": float(final.min()),
                         "final_max": float(final.max()), "labels_to_target": self.labels_to_reach(strategy, target)})
        return rows

    def to_dict(self) -> dict:
        return {"format": FORMAT, "settings": self.settings, "seeds": self.seeds, "runs": self.runs,
                "provenance": self.provenance}


def run_summary(run, seed: int) -> dict:
    """The numbers of one run that a comparison keeps (units in the names)."""
    entry = {"seed": seed, "labels": run.labels, "seconds": round(run.seconds, 2), "stop_reason": run.stop_reason,
             "max_spread_ev_per_a": [None if not np.isfinite(s) else s for s in run.max_spread]}
    entry.update({name: run.curve(metric) for name, metric in CURVES.items()})
    return entry


def compare_strategies(make_source: Callable[[], object], test_data, settings: ActiveLearningSettings,
                       seeds: Sequence[int] = (0, 1, 2), strategies: Sequence[str] = STRATEGIES,
                       progress: Callable[[int, int, str], None] | None = None) -> StrategyComparison:
    """Run ``settings`` once per strategy and seed, each on a fresh source (``make_source()``: a pool whose
    labels are hidden again), and collect the learning curves. ``progress(done, total, text)``."""
    base = asdict(settings)
    comparison = StrategyComparison({k: v for k, v in base.items() if k not in ("strategy", "seed")}, list(seeds))
    total, done = len(seeds) * len(strategies), 0
    for seed in seeds:
        for strategy in strategies:
            if progress is not None:
                progress(done, total, f"{strategy}, seed {seed}")
            run = run_active_learning(make_source(), test_data, ActiveLearningSettings(
                **{**base, "strategy": strategy, "seed": seed}))
            comparison.runs.setdefault(strategy, []).append(run_summary(run, seed))
            done += 1
    return comparison


class _StrategyProgress:
    """Forwards one strategy's progress to the job's, keeping every strategy's curve so far."""

    def __init__(self, parent, strategy: str, index: int, total: int, curves: dict, picks: dict):
        self.parent, self.strategy, self.index, self.total = parent, strategy, index, total
        self.curves, self.picks = curves, picks

    @property
    def stop_requested(self) -> bool:
        return self.parent.stop_requested

    def update(self, fraction=None, message=None, curve=None, picks=None, start=None, **partial):
        if curve is not None:
            self.curves[self.strategy] = curve
        if picks is not None:
            self.picks[self.strategy] = picks
        overall = None if fraction is None else (self.index + fraction) / self.total
        self.parent.update(overall, f"{self.strategy}: {message}" if message else None, curves=dict(self.curves),
                           picks=dict(self.picks), start=start, **partial)


def run_side_by_side(make_source: Callable[[], object], test_data, settings: ActiveLearningSettings,
                     strategies: Sequence[str] = STRATEGIES, progress=None, start_indices=None) -> dict:
    """The same settings and seed (so the same start) once per strategy, one after the other: strategy ->
    ActiveLearningRun. ``progress.partial`` carries ``curves`` and ``picks`` per strategy so far; a stop
    request ends the running strategy (its partial curve is kept) and starts no other."""
    progress = progress if progress is not None else Progress()
    runs, curves, picks = {}, {}, {}
    for index, strategy in enumerate(strategies):
        if progress.stop_requested:
            break
        forward = _StrategyProgress(progress, strategy, index, len(strategies), curves, picks)
        runs[strategy] = run_active_learning(make_source(), test_data, replace(settings, strategy=strategy), forward,
                                             start_indices=start_indices)
    return runs


def save_comparison(comparison: StrategyComparison, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(comparison.to_dict(), indent=1) + "\n")
    os.replace(temporary, path)
    return path


def load_comparison(path: str | os.PathLike) -> StrategyComparison:
    """A comparison written by ``save_comparison`` (a ComparisonFileError names what is wrong)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ComparisonFileError(f"{path}: file not found") from None
    except (OSError, ValueError) as error:
        raise ComparisonFileError(f"{path}: not a JSON file ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ComparisonFileError(f"{path}: not an active-learning comparison ({FORMAT})")
    try:
        comparison = StrategyComparison(data["settings"], list(data["seeds"]), data["runs"], data.get("provenance", {}))
        for strategy in comparison.strategies:
            comparison.median(strategy)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ComparisonFileError(f"{path}: incomplete comparison ({type(error).__name__}: {error})") from None
    return comparison
