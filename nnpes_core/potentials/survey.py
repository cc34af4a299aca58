"""Find every stationary point of a 2-D surface in a window, without typing any of them in.

The recipe a student could do by hand: lay a coarse grid over the window, take the grid points where
the gradient norm |∇E| is smallest among their neighbours as starting guesses, run Newton's method
(``find_stationary_point``) from each, and keep the distinct points it lands on. Minima and saddles
both come out, since Newton's method only looks for ∇E = 0; the Hessian then says which is which.

A search that leaves the window is reported as well: on the LEPS surface the H + H2 valleys keep
going down towards r → ∞, so Newton walks out along the valley floor. Such a run marks an
*asymptotic valley* (a reactant or product channel), not a stationary point in the window.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from nnpes_core.potentials.stationary import StationaryPoint, find_stationary_point, gradient
from nnpes_core.potentials.toy2d import Surface2D


@dataclass
class SurfaceSurvey:
    """The stationary points found in a window, and the valleys that lead out of it."""

    points: list[StationaryPoint]  # inside the window, minima first (then by energy)
    valleys: list[StationaryPoint] = field(default_factory=list)  # searches that left the window
    guesses: int = 0  # starting points tried

    def of_kind(self, kind: str) -> list[StationaryPoint]:
        return [point for point in self.points if point.kind == kind]

    def labelled(self, x_name: str = "x", y_name: str = "y") -> list[tuple[str, StationaryPoint, bool]]:
        """(label, point, inside the window) for every point: "minimum 1", "saddle 2", ..., and for a
        valley that leaves the window "x_name → ∞" (or "y_name → ∞"), whichever coordinate grew."""
        counters: dict[str, int] = {}
        labelled = []
        for point in self.points:
            counters[point.kind] = counters.get(point.kind, 0) + 1
            labelled.append((f"{point.kind} {counters[point.kind]}", point, True))
        for point in self.valleys:
            grown = x_name if abs(point.xy[0]) > abs(point.xy[1]) else y_name
            labelled.append((f"{grown} → ∞", point, False))
        return labelled


def gradient_norm_minima(surface: Surface2D, x_range, y_range, n: int = 30) -> np.ndarray:
    """Grid points [n_guesses, 2] where |∇E| is no larger than at any of their 8 neighbours."""
    x = np.linspace(*x_range, n)
    y = np.linspace(*y_range, n)
    X, Y = np.meshgrid(x, y)  # [n, n]
    points = torch.as_tensor(np.stack([X, Y], axis=-1))  # [n, n, 2]
    norm = torch.linalg.norm(gradient(surface, points), dim=-1).numpy()  # [n, n]
    padded = np.pad(norm, 1, constant_values=np.inf)
    neighbourhood = np.stack([padded[1 + di:1 + di + n, 1 + dj:1 + dj + n]
                              for di in (-1, 0, 1) for dj in (-1, 0, 1)])  # [9, n, n]
    is_minimum = norm <= neighbourhood.min(axis=0)
    return np.stack([X[is_minimum], Y[is_minimum]], axis=-1)


def _inside(xy, x_range, y_range) -> bool:
    return x_range[0] <= xy[0] <= x_range[1] and y_range[0] <= xy[1] <= y_range[1]


def survey_stationary_points(
    surface: Surface2D, x_range=None, y_range=None, n: int = 30, same_point: float = 1e-4,
) -> SurfaceSurvey:
    """All stationary points of ``surface`` that Newton's method reaches from an n x n grid of guesses.

    Ranges default to the surface's plotting window; points closer than ``same_point`` (in the
    surface's length unit) count as one. Guesses from which Newton does not converge are dropped.
    """
    x_range = tuple(x_range if x_range is not None else surface.x_range)
    y_range = tuple(y_range if y_range is not None else surface.y_range)
    guesses = gradient_norm_minima(surface, x_range, y_range, n)
    inside: list[StationaryPoint] = []
    outside: list[StationaryPoint] = []
    for guess in guesses:
        try:
            found = find_stationary_point(surface, guess)
        except RuntimeError:
            continue
        found_list = inside if _inside(found.xy, x_range, y_range) else outside
        # Far-away valley ends differ by a little along the flat valley floor: compare them loosely.
        tolerance = same_point if found_list is inside else 1.0
        if all(np.linalg.norm(found.xy - other.xy) > tolerance for other in found_list):
            found_list.append(found)
    order = {"minimum": 0, "saddle": 1, "maximum": 2, "degenerate": 3}
    inside.sort(key=lambda point: (order.get(point.kind, 4), point.energy))
    outside.sort(key=lambda point: (point.xy[0], point.xy[1]))
    return SurfaceSurvey(points=inside, valleys=outside, guesses=len(guesses))


def clamp_to_window(xy, x_range, y_range) -> np.ndarray:
    """``xy`` [2] moved onto the window's edge (to mark where a valley leaves the plot)."""
    return np.array([np.clip(xy[0], *x_range), np.clip(xy[1], *y_range)])
