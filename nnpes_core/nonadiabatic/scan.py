"""Outcome probabilities against the incoming momentum, by FSSH or exactly: the curves of Tully's
figures. Momenta in ħ/bohr (atomic units)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from nnpes_core.nonadiabatic.exact import exact_probabilities
from nnpes_core.nonadiabatic.fssh import run_fssh
from nnpes_core.nonadiabatic.outcomes import CHANNELS, ScatteringProbabilities
from nnpes_core.nonadiabatic.tully import TwoStateModel

METHODS = ("fssh", "exact")


@dataclass
class MomentumScan:
    """Probabilities [n_momenta] per channel, their standard errors [n_momenta] (zero for "exact")."""

    method: str
    momenta: np.ndarray  # ħ/bohr
    probabilities: dict[str, np.ndarray]
    stderr: dict[str, np.ndarray]
    points: list[ScatteringProbabilities]


def momentum_scan(model: TwoStateModel, momenta: Sequence[float], method: str = "exact", n_trajectories: int = 200,
                  seed: int = 0, progress: Callable[[int, int], None] | None = None) -> MomentumScan:
    """The four probabilities at each momentum; FSSH runs ``n_trajectories`` per momentum, seeded with
    ``seed + index`` so that every point is reproducible on its own."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    momenta = np.asarray(momenta, dtype=float)
    points = []
    for index, momentum in enumerate(momenta):
        if method == "fssh":
            points.append(run_fssh(model, momentum, n_trajectories, seed=seed + index).probabilities)
        else:
            points.append(exact_probabilities(model, momentum))
        if progress is not None:
            progress(index + 1, len(momenta))
    return MomentumScan(method, momenta,
                        {name: np.array([getattr(p, name) for p in points]) for name in CHANNELS},
                        {name: np.array([p.stderr[name] for p in points]) for name in CHANNELS}, points)
