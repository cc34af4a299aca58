"""Scattering outcomes: where the particle ends up (left or right, lower or upper surface).

A particle comes in from the left on the lower adiabatic surface with momentum ħk. After the coupling
region it leaves to the right (transmitted) or back to the left (reflected), on the lower or upper
surface: four probabilities that add up to 1.

From N independent surface-hopping trajectories, a probability is a fraction p = n/N of a binomial
count, with the standard error

    σ_p = sqrt(p (1 - p) / N)

(zero when no or every trajectory ends there: then 1/N bounds it). An exact quantum result has no
statistical error (``stderr`` zero).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

CHANNELS = ("transmission_lower", "transmission_upper", "reflection_lower", "reflection_upper")


def binomial_stderr(p: float, n: int) -> float:
    """Standard error sqrt(p (1 - p) / n) of a fraction p of n independent trials."""
    return math.sqrt(max(p * (1.0 - p), 0.0) / n) if n > 0 else math.nan


@dataclass
class ScatteringProbabilities:
    """The four outcome probabilities at one incoming momentum (ħ/bohr), with standard errors."""

    momentum: float  # incoming ħk, a.u. (ħ/bohr)
    transmission_lower: float
    transmission_upper: float
    reflection_lower: float
    reflection_upper: float
    method: str  # "fssh", "exact", ...
    n_trajectories: int = 0  # 0 for a method without sampling
    stderr: dict[str, float] = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # frustrated hops, unfinished trajectories, grid, ...

    def __post_init__(self):
        if not self.stderr:
            self.stderr = {name: (binomial_stderr(getattr(self, name), self.n_trajectories)
                                  if self.n_trajectories else 0.0) for name in CHANNELS}

    @property
    def total(self) -> float:
        return sum(getattr(self, name) for name in CHANNELS)

    def as_dict(self) -> dict:
        """{"transmission_lower": p, ..., "stderr": {...}, "momentum": k, ...} (JSON-ready)."""
        return {**{name: getattr(self, name) for name in CHANNELS}, "stderr": dict(self.stderr),
                "momentum": self.momentum, "method": self.method, "n_trajectories": self.n_trajectories,
                **({"details": self.details} if self.details else {})}
