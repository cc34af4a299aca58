"""What derivatives cost: forces by reverse-mode autograd against finite differences, and the full
Hessian against Hessian-vector products, timed against the number of atoms N.

- One energy: the forward pass. Forces by autograd: that pass plus ONE backward pass, a small constant
  factor more, whatever N (all 3N components at once).
- Forces by central differences: 6N energies of N atoms, so a cost ~ N times one energy (O(N²) for a
  local model, whose energy costs O(N)).
- The full Hessian [3N, 3N]: one row per coordinate, 3N derivative passes (O(N²) for a local model).
- A Hessian-vector product H v: one double-backward pass, about the cost of a few force calls (O(N)).

The weights do not change the cost, so any model of the right elements will do; the lesson times a
small untrained one on fcc argon clusters (``nnpes_core.analysis.cost.scaling_model`` and
``nnpes_core.data.clusters.fcc_cluster``), where every inner atom has the same neighbours. Each time is
the median of a few repeats after one warm-up call (a single call where one takes longer than 0.2 s);
a slow series stops before the size whose predicted time exceeds ``max_seconds`` (predicted by a local
power law from the points so far).
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.cost import fit_power_law, predicted_seconds, TimingPoint
from nnpes_core.analysis.evaluation import energies, hessian_vector_product, model_forces, model_hessian, model_in_dtype
from nnpes_core.analysis.finite_differences import finite_difference_forces
from nnpes_core.threads import torch_threads

MAX_BATCH_ATOMS = 4000  # atoms per batch for the 6N displaced copies and the 3N Hessian rows (memory)
Progress = Callable[[int, int, str], bool | None]  # progress(done, total, message); False stops


def median_seconds(function: Callable[[], object], repeats: int = 3, single_above: float = 0.2) -> float:
    """Median wall time (s) of ``repeats`` calls of ``function``; a call slower than ``single_above``
    seconds is timed only once (its repeats would cost more than they tell)."""
    start = time.perf_counter()
    function()
    first = time.perf_counter() - start
    if first > single_above or repeats <= 1:
        return first
    times = [first]
    for _ in range(repeats - 1):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class TimedSeries:
    """Median wall times (s) of one way of computing something, against the number of atoms."""

    label: str
    n_atoms: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stop_reason: str = ""

    def slope(self, min_atoms: int = 32) -> tuple[float, float]:
        """(slope, prefactor) of seconds ≈ prefactor · N^slope, fitted to N >= ``min_atoms``."""
        return fit_power_law(self.n_atoms, self.seconds, min_atoms=min_atoms)

    def add(self, n_atoms: int, seconds: float) -> None:
        self.n_atoms.append(int(n_atoms))
        self.seconds.append(float(seconds))

    def too_slow(self, n_atoms: int, max_seconds: float) -> bool:
        """True (and a stop reason) when the next size is predicted to exceed ``max_seconds``."""
        if not self.n_atoms or self.stop_reason:
            return bool(self.stop_reason)
        points = [TimingPoint(n, 0, s, 0.0, 1) for n, s in zip(self.n_atoms, self.seconds)]
        predicted = predicted_seconds(points, n_atoms)
        if predicted > max_seconds:
            self.stop_reason = f"stopped before {n_atoms} atoms (predicted {predicted:.1f} s per call)"
            return True
        return False


def _warm_up(model: nn.Module, atoms: Atoms, dtype: torch.dtype) -> None:
    """First calls pay one-off costs (allocations, lazy initialisation): not part of any timing."""
    model_forces(model, atoms, dtype)
    hessian_vector_product(model, atoms, np.ones(3 * len(atoms)), dtype)


def _stopped(progress: Progress | None, done: int, total: int, message: str,
             series: dict[str, TimedSeries]) -> bool:
    """Report progress; when ``progress`` answers False, mark every series stopped by the user."""
    if progress is None or progress(done, total, message) is not False:
        return False
    for timed in series.values():
        timed.stop_reason = timed.stop_reason or "stopped by the user"
    return True


def time_force_methods(model: nn.Module, structures: Sequence[Atoms], dtype: torch.dtype = torch.float64,
                       repeats: int = 5, step: float = 1e-3, max_seconds: float = 1.0,
                       progress: Progress | None = None, threads: int | None = None) -> dict[str, TimedSeries]:
    """Energy alone, forces by autograd and forces by central differences (6N energies), per structure.

    Returns {"energy", "autograd", "finite_difference"} -> TimedSeries. The finite-difference series
    stops where it gets slower than ``max_seconds`` per call; the others run to the end. ``threads``:
    torch threads during the timing (see :func:`torch_threads`).
    """
    with torch_threads(threads):
        return _time_force_methods(model, structures, dtype, repeats, step, max_seconds, progress)


def _time_force_methods(model, structures, dtype, repeats, step, max_seconds, progress) -> dict[str, TimedSeries]:
    model = model_in_dtype(model, dtype)  # convert once, outside the timed calls
    series = {"energy": TimedSeries("one energy"), "autograd": TimedSeries("forces by autograd (1 backward pass)"),
              "finite_difference": TimedSeries("forces by central differences (6N energies)")}
    if structures:
        _warm_up(model, structures[0], dtype)
    for index, atoms in enumerate(structures):
        if _stopped(progress, index, len(structures), f"forces: {len(atoms)} atoms", series):
            break
        series["energy"].add(len(atoms), median_seconds(lambda: energies(model, atoms, dtype), repeats))
        series["autograd"].add(len(atoms), median_seconds(lambda: model_forces(model, atoms, dtype), repeats))
        fd = series["finite_difference"]
        if not fd.too_slow(len(atoms), max_seconds):
            fd.add(len(atoms), median_seconds(
                lambda: finite_difference_forces(model, atoms, step, dtype, max_batch_atoms=MAX_BATCH_ATOMS), repeats))
    return series


def time_hessian_methods(model: nn.Module, structures: Sequence[Atoms], dtype: torch.dtype = torch.float64,
                         repeats: int = 5, max_seconds: float = 1.0, seed: int = 0,
                         progress: Progress | None = None,
                         threads: int | None = None) -> tuple[dict[str, TimedSeries], list[float]]:
    """The full Hessian (3N rows) against one Hessian-vector product, per structure.

    Returns ({"hessian", "hvp"} -> TimedSeries, check) where check[i] is max |H v - HVP(v)| (eV/Å² for a
    random unit-variance v) for every structure whose full Hessian was computed: the two agree.
    ``threads``: torch threads during the timing (see :func:`torch_threads`).
    """
    with torch_threads(threads):
        return _time_hessian_methods(model, structures, dtype, repeats, max_seconds, seed, progress)


def _time_hessian_methods(model, structures, dtype, repeats, max_seconds, seed,
                          progress) -> tuple[dict[str, TimedSeries], list[float]]:
    model = model_in_dtype(model, dtype)
    rng = np.random.default_rng(seed)
    series = {"hessian": TimedSeries("full Hessian (3N rows)"),
              "hvp": TimedSeries("Hessian-vector product H·v")}
    checks: list[float] = []
    if structures:
        _warm_up(model, structures[0], dtype)
    for index, atoms in enumerate(structures):
        if _stopped(progress, index, len(structures), f"Hessian: {len(atoms)} atoms", series):
            break
        vector = rng.standard_normal(3 * len(atoms))
        series["hvp"].add(len(atoms), median_seconds(
            lambda: hessian_vector_product(model, atoms, vector, dtype), repeats))
        full = series["hessian"]
        if not full.too_slow(len(atoms), max_seconds):
            rows = max(1, MAX_BATCH_ATOMS // len(atoms))
            matrix: list[np.ndarray] = []
            full.add(len(atoms), median_seconds(
                lambda: matrix.append(model_hessian(model, atoms, dtype, rows_per_pass=rows)), repeats))
            checks.append(float(np.abs(matrix[-1] @ vector - hessian_vector_product(model, atoms, vector, dtype)).max()))
    return series, checks


def speedup_at_largest(slow: TimedSeries, fast: TimedSeries) -> tuple[int, float]:
    """(N, slow/fast time ratio) at the largest N both series reached; (0, NaN) when none is shared."""
    shared = sorted(set(slow.n_atoms) & set(fast.n_atoms))
    if not shared:
        return 0, math.nan
    n_atoms = shared[-1]
    return n_atoms, slow.seconds[slow.n_atoms.index(n_atoms)] / fast.seconds[fast.n_atoms.index(n_atoms)]


def extrapolated_ratio(slow: TimedSeries, fast: TimedSeries, n_atoms: float, min_atoms: int = 16) -> float:
    """slow/fast time ratio at ``n_atoms`` from the two fitted power laws a·N^b (NaN without fits):
    (a_slow / a_fast) · N^(b_slow - b_fast)."""
    slow_slope, slow_prefactor = slow.slope(min_atoms)
    fast_slope, fast_prefactor = fast.slope(min_atoms)
    return float(slow_prefactor / fast_prefactor * float(n_atoms) ** (slow_slope - fast_slope))
