"""Which candidates get a label, and when to stop asking.

Uncertainty sampling ("query by committee"): label the k candidates whose committee spread is largest,

    picked = argtop_k  sigma(candidate).

Random sampling is the baseline it must beat with the same labels budget: k candidates drawn uniformly.

A stopping rule ends the loop once the committee is confident about every candidate,

    stop when  max_candidates sigma < threshold,

so the cost of the rule is the labels spent until then, and its risk is the error that remains where
the spread underestimates it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

STRATEGIES = ("uncertainty", "random")


class StrategyError(ValueError):
    """An unknown selection strategy."""


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise StrategyError(f"unknown strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    return strategy


def select(strategy: str, scores: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (into ``scores``) of the ``k`` candidates to label: the k largest scores, or k at random.

    Ties in the scores are broken by position, so a run is reproducible. Fewer than k candidates: all.
    """
    check_strategy(strategy)
    scores = np.asarray(scores, dtype=float)
    k = min(int(k), len(scores))
    if k <= 0:
        return np.zeros(0, dtype=int)
    if strategy == "random":
        return np.sort(rng.choice(len(scores), size=k, replace=False))
    if not np.all(np.isfinite(scores)):
        raise ValueError("the committee's spread is NaN or infinite on some candidates")
    return np.argsort(-scores, kind="stable")[:k]


@dataclass
class StoppingPoint:
    """Where a spread-threshold rule would have ended a loop, and what it had cost and achieved then."""

    threshold: float
    round: int | None  # the first round whose largest candidate spread fell below the threshold; None: never
    labels: int  # labels spent when stopping (all of them when the rule never fired)
    error: float  # the test error then
    labels_full_run: int
    error_full_run: float

    @property
    def stopped(self) -> bool:
        return self.round is not None

    @property
    def labels_saved(self) -> int:
        return self.labels_full_run - self.labels


def stopping_point(labels: Sequence[int], max_spread: Sequence[float], error: Sequence[float],
                   threshold: float) -> StoppingPoint:
    """Apply "stop when the largest candidate spread < threshold" to a recorded learning curve.

    ``labels[r]``, ``error[r]``: labels and test error after round r's training; ``max_spread[r]``: the
    largest spread among that round's candidates (NaN when none were scored, e.g. the last round).
    """
    labels, max_spread, error = (np.asarray(v, dtype=float) for v in (labels, max_spread, error))
    if not (len(labels) == len(max_spread) == len(error)) or len(labels) == 0:
        raise ValueError("labels, spreads and errors need one value per round")
    below = np.flatnonzero(np.isfinite(max_spread) & (max_spread < threshold))
    if len(below):
        r = int(below[0])
        return StoppingPoint(float(threshold), r, int(labels[r]), float(error[r]), int(labels[-1]), float(error[-1]))
    return StoppingPoint(float(threshold), None, int(labels[-1]), float(error[-1]), int(labels[-1]), float(error[-1]))
