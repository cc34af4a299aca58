"""Active learning on the Müller-Brown surface, where every pick can be drawn on the map.

The same loop as for water (``loop.run_active_learning``) with a 2-D point as the "structure". The pool is
what a simulation at a temperature would offer: points drawn with Boltzmann weights exp(-(E - E_min)/kT)
(most of them in the wells, few on the saddles; labels: the exact energy and force, revealed when
picked). The surface should be right everywhere below an energy ceiling (the wells, the valleys and the
saddles between them), so the test points are uniform there. The committee is a set of small MLPs
E(x, y) trained with the one training loop (every point in one batch), and the start is a handful of
points in one well: the picks leave the known basin, climb to the saddles and find the other minima,
while random picks repeat what the pool has most of — the wells. Everything is in the surface's own
(arbitrary) units.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nnpes_core.active_learning.loop import ActiveLearningRun, ActiveLearningSettings, run_active_learning
from nnpes_core.active_learning.pool import PoolSource
from nnpes_core.data.surface_points import SurfacePoints, label_points, sample_surface
from nnpes_core.jobs import Progress
from nnpes_core.potentials.toy2d import MullerBrown, Surface2D

# Small networks, every point in one batch, float64 on the CPU: a round of 4 members takes about a second.
SURFACE_TRAINING = dict(batch_size=10**9, learning_rate=1e-2, dtype="float64", device="cpu", threads=1)
POOL_ENERGY_MAX = 0.0  # only where E < 0: the wells, the valleys and both saddles
POOL_TEMPERATURE = 25.0  # kT of the pool in the surface's energy units: the saddles are rare in it


def surface_settings(**overrides) -> ActiveLearningSettings:
    """Settings for 2-D active learning: 3 MLPs (2 x 32), 200 full-batch steps per member and round,
    5 start points, 5 picks per round, 6 rounds; candidates ranked by the energy spread."""
    defaults = dict(kind="surface", n_start=5, n_add=5, rounds=6, committee_size=3, epochs=200, score="energy",
                    model_options=dict(width=32, depth=2), training=dict(SURFACE_TRAINING))
    return ActiveLearningSettings(**{**defaults, **overrides})


def surface_pool(surface: Surface2D, n_points: int = 600, seed: int = 0,
                 energy_max: float | None = POOL_ENERGY_MAX) -> SurfacePoints:
    """``n_points`` uniform random points of the window below ``energy_max``, with exact labels."""
    return label_points(surface, sample_surface(surface, n_points, seed=seed, energy_max=energy_max)[0])


def boltzmann_pool(surface: Surface2D, n_points: int = 600, temperature: float = POOL_TEMPERATURE, seed: int = 0,
                   energy_max: float | None = POOL_ENERGY_MAX) -> SurfacePoints:
    """``n_points`` points below ``energy_max`` drawn with weight exp(-(E - E_min)/kT) (``temperature`` = kT
    in the surface's energy units), by rejection from uniform points; with exact labels."""
    if temperature <= 0:
        raise ValueError("the pool temperature kT must be positive")
    rng = np.random.default_rng(seed)
    kept, count, draw = [], 0, 0
    while count < n_points:
        xy, energy = sample_surface(surface, 4 * n_points, seed=seed + 1000 * (draw + 1), energy_max=energy_max)
        draw += 1
        energy = energy.numpy()
        accept = rng.random(len(energy)) < np.exp(-(energy - energy.min()) / temperature)
        kept.append(xy[torch.as_tensor(accept)])
        count += int(accept.sum())
    return label_points(surface, torch.cat(kept)[:n_points])


def nearest_points(points: SurfacePoints, xy, n: int) -> list[int]:
    """Indices of the ``n`` points closest to ``xy`` (a start confined to one well)."""
    distance = (points.positions - torch.as_tensor(xy, dtype=points.positions.dtype)).norm(dim=-1)
    return torch.argsort(distance)[:n].tolist()


@dataclass
class SurfaceProblem:
    """A 2-D active-learning task: the surface, its pool (labels hidden by the source), the test points and
    the start."""

    surface: Surface2D
    pool: SurfacePoints
    test: SurfacePoints
    start_indices: list[int] | None  # None: random start (seeded by the loop)

    def source(self) -> PoolSource:
        """A fresh source: every pool label hidden again."""
        return PoolSource(self.pool)


def surface_problem(surface: Surface2D | None = None, n_pool: int = 600, n_test: int = 1000, n_start: int = 5,
                    start: str = "one well", pool_seed: int = 0, pool_temperature: float = POOL_TEMPERATURE
                    ) -> SurfaceProblem:
    """Müller-Brown by default: a Boltzmann pool of ``n_pool`` points at kT = ``pool_temperature``, ``n_test``
    uniform test points below the same ceiling, and a start of ``n_start`` pool points in the deepest well
    (``start="one well"``) or at random (``"random"``)."""
    surface = surface or MullerBrown()
    if start not in ("one well", "random"):
        raise ValueError("start must be 'one well' or 'random'")
    pool = boltzmann_pool(surface, n_pool, pool_temperature, seed=pool_seed)
    test = surface_pool(surface, n_test, seed=pool_seed + 1)
    chosen = None
    if start == "one well":
        deepest = min((p for p in surface.known_points if p.kind == "minimum"), key=lambda p: p.energy)
        chosen = nearest_points(pool, deepest.xy, n_start)
    return SurfaceProblem(surface, pool, test, chosen)


def surface_active_learning(settings: ActiveLearningSettings | None = None, problem: SurfaceProblem | None = None,
                            progress: Progress | None = None) -> ActiveLearningRun:
    """Pool-based active learning on a 2-D surface problem (default: ``surface_problem()``, Müller-Brown)."""
    settings = settings or surface_settings()
    problem = problem or surface_problem(n_start=settings.n_start)
    return run_active_learning(problem.source(), problem.test, settings, progress, start_indices=problem.start_indices)


def energy_and_spread_on_grid(committee, surface: Surface2D, n: int = 60):
    """x [n], y [n], committee mean energy and energy spread on the plotting window, [n, n] each."""
    x, y = np.linspace(*surface.x_range, n), np.linspace(*surface.y_range, n)
    points = torch.as_tensor(np.stack(np.meshgrid(x, y), axis=-1))
    dtype = next(committee.parameters()).dtype
    with torch.no_grad():
        points = points.to(dtype)
        return x, y, committee(points).double().numpy(), committee.spread(points).double().numpy()
