"""What a model costs: wall-clock time of one energy + forces evaluation against the number of atoms.

With a cutoff every atom has a bounded number of neighbours, so the neighbour list, the model and the
backward pass for the forces all cost O(N). Without one (a cutoff larger than the system) every atom
sees every other: N(N-1) pairs, O(N²) — and O(N³) for a model with angular terms over pairs of
neighbours (Behler-Parrinello's G4). The functions here *measure* it on fcc clusters:

    series = cost_series(scaling_model("equivariant", 5.0), sizes=[10, 100, 1000])
    slope, prefactor = fit_power_law(series.n_atoms, series.seconds)      # time ~ prefactor * N^slope

The weights do not matter for the cost, so an untrained model is timed. Each point is the median of a
few repeats of (neighbour list + energy + forces), after one warm-up call. A series stops before a size
whose predicted time exceeds ``max_seconds``, so the all-pairs series ends where it gets slow.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.clusters import fcc_cluster
from nnpes_core.derivatives import energy_and_forces
from nnpes_core.models import build_model
from nnpes_core.threads import torch_threads

ALL_PAIRS_CUTOFF = 1000.0  # Å: a "cutoff" larger than any cluster timed here, i.e. no cutoff at all
# Small networks: the cost is about the number of pairs and triplets, not about the width.
TIMING_OPTIONS = {"equivariant": dict(channels=8, radial_hidden=16), "bp": dict(hidden=(16, 16))}
Progress = Callable[[int, int, str], bool | None]  # progress(done, total, message); False stops


@dataclass(frozen=True)
class TimingPoint:
    n_atoms: int
    n_pairs: int  # ordered pairs (I, J) in the neighbour list
    seconds: float  # median wall time of neighbour list + energy + forces
    neighbor_seconds: float  # median wall time of the neighbour list alone
    repeats: int


@dataclass
class CostSeries:
    label: str
    cutoff_radius: float | None  # Å; None: all pairs
    points: list[TimingPoint] = field(default_factory=list)
    stopped_before: int | None = None  # the first size not timed (too slow), if any
    stop_reason: str = ""

    @property
    def n_atoms(self) -> np.ndarray:
        return np.array([p.n_atoms for p in self.points])

    @property
    def seconds(self) -> np.ndarray:
        return np.array([p.seconds for p in self.points])


def scaling_model(kind: str = "equivariant", cutoff_radius: float | None = 5.0, symbol_number: int = 18,
                  dtype: torch.dtype = torch.float32, seed: int = 0) -> nn.Module:
    """A small untrained model of ``kind`` for one element (argon by default) to time.

    ``cutoff_radius=None`` gives the all-pairs model (a cutoff of ALL_PAIRS_CUTOFF Å)."""
    radius = ALL_PAIRS_CUTOFF if cutoff_radius is None else float(cutoff_radius)
    return build_model(kind, [symbol_number], seed=seed, dtype=dtype, cutoff_radius=radius,
                       **TIMING_OPTIONS.get(kind, {})).eval()


def _model_dtype_device(model: nn.Module) -> tuple[torch.dtype, torch.device]:
    parameter = next(model.parameters())
    return parameter.dtype, parameter.device


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_energy_and_forces(model: nn.Module, atoms: Atoms, repeats: int = 3) -> TimingPoint:
    """Median time (s) of building the neighbour list and computing energy and forces of ``atoms``."""
    dtype, device = _model_dtype_device(model)
    totals, neighbor_times, n_pairs = [], [], 0
    for _ in range(max(1, repeats)):
        _synchronize(device)
        start = time.perf_counter()
        batch = AtomicBatch.from_atoms(atoms, model.cutoff_radius, dtype=dtype, device=device, with_labels=False)
        built = time.perf_counter()
        energy, forces = energy_and_forces(model, batch)
        forces.sum().item()  # wait for the result (also on a GPU)
        _synchronize(device)
        totals.append(time.perf_counter() - start)
        neighbor_times.append(built - start)
        n_pairs = int(batch.edge_index.shape[1])
    return TimingPoint(len(atoms), n_pairs, float(np.median(totals)), float(np.median(neighbor_times)),
                       max(1, repeats))


def predicted_seconds(points: Sequence[TimingPoint], n_atoms: int, min_exponent: float = 1.0) -> float:
    """Extrapolate the time at ``n_atoms`` from the last two points with their local power law.

    The exponent is kept between ``min_exponent`` and ``min_exponent + 1``: small systems are
    overhead-dominated and would predict too little (an all-pairs model grows at least as N², so it
    passes 2), and one slow point on a busy machine would predict far too much."""
    if not points:
        return 0.0
    last = points[-1]
    slope = min_exponent
    if len(points) >= 2 and points[-2].n_atoms != last.n_atoms:
        before = points[-2]
        slope = math.log(last.seconds / before.seconds) / math.log(last.n_atoms / before.n_atoms)
    return last.seconds * (n_atoms / last.n_atoms) ** min(max(slope, min_exponent), min_exponent + 1.0)


def cost_series(
    model: nn.Module, sizes: Sequence[int], label: str | None = None, repeats: int = 3,
    max_seconds: float = 1.5, cluster: Callable[[int], Atoms] = fcc_cluster,
    progress: Progress | None = None, threads: int | None = None,
) -> CostSeries:
    """Time ``model`` on ``cluster(n)`` for each n in ``sizes`` (ascending), stopping where it gets slow.

    A size is skipped (and the series ends) when its time, extrapolated from the previous points, would
    exceed ``max_seconds``, or after a point that took longer than that. ``threads``: torch CPU threads
    while timing (restored afterwards; None keeps the current setting).
    """
    with torch_threads(threads):
        return _cost_series(model, sizes, label, repeats, max_seconds, cluster, progress)


def _cost_series(model, sizes, label, repeats, max_seconds, cluster, progress) -> CostSeries:
    radius = None if model.cutoff_radius >= ALL_PAIRS_CUTOFF else model.cutoff_radius
    label = label or ("all pairs (no cutoff)" if radius is None else f"cutoff {radius:g} Å")
    series = CostSeries(label=label, cutoff_radius=radius)
    sizes = sorted(int(n) for n in sizes)
    if sizes:
        time_energy_and_forces(model, cluster(sizes[0]), repeats=1)  # warm-up: first-call overheads
    min_exponent = 2.0 if radius is None else 1.0  # all pairs: at least N(N-1) pairs
    for index, n_atoms in enumerate(sizes):
        predicted = predicted_seconds(series.points, n_atoms, min_exponent)
        if series.points and predicted > max_seconds:
            series.stopped_before = n_atoms
            series.stop_reason = f"stopped before {n_atoms} atoms: predicted {predicted:.1f} s per evaluation"
            break
        if progress is not None and progress(index, len(sizes), f"{series.label}: {n_atoms} atoms") is False:
            series.stop_reason = "stopped by the user"
            break
        series.points.append(time_energy_and_forces(model, cluster(n_atoms), repeats))
        if series.points[-1].seconds > max_seconds and index < len(sizes) - 1:
            series.stopped_before = sizes[index + 1]
            series.stop_reason = f"stopped after {n_atoms} atoms: {series.points[-1].seconds:.1f} s per evaluation"
            break
    return series


def fit_power_law(n_atoms: Sequence[float], seconds: Sequence[float], min_atoms: int = 100) -> tuple[float, float]:
    """(slope, prefactor) of time ≈ prefactor · N^slope, a straight line on log-log axes.

    Only points with N >= ``min_atoms`` are fitted (small sizes are dominated by fixed overheads);
    with fewer than two such points the two largest are used. NaNs when fewer than two points exist.
    """
    n_atoms, seconds = np.asarray(n_atoms, dtype=float), np.asarray(seconds, dtype=float)
    if len(n_atoms) < 2:
        return math.nan, math.nan
    keep = n_atoms >= min_atoms
    if keep.sum() < 2:
        keep = np.argsort(n_atoms)[-2:]
    slope, intercept = np.polyfit(np.log(n_atoms[keep]), np.log(seconds[keep]), 1)
    return float(slope), float(np.exp(intercept))


def measure_scaling(
    kind: str = "equivariant", cutoff_radius: float = 5.0, sizes: Sequence[int] = (10, 30, 100, 300, 1000),
    all_pairs_sizes: Sequence[int] | None = None, repeats: int = 3, max_seconds: float = 1.5,
    progress: Progress | None = None, threads: int | None = None,
) -> dict[str, CostSeries]:
    """Both series for one model kind: {"cutoff": ..., "all_pairs": ...} on fcc argon clusters
    (``threads``: torch CPU threads while timing, restored afterwards)."""
    all_pairs_sizes = sizes if all_pairs_sizes is None else all_pairs_sizes
    total = len(sizes) + len(all_pairs_sizes)

    def shifted(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total, message: progress(offset + done, total, message)

    with_cutoff = cost_series(scaling_model(kind, cutoff_radius), sizes, repeats=repeats,
                              max_seconds=max_seconds, progress=shifted(0), threads=threads)
    all_pairs = cost_series(scaling_model(kind, None), all_pairs_sizes, repeats=repeats,
                            max_seconds=max_seconds, progress=shifted(len(sizes)), threads=threads)
    return {"cutoff": with_cutoff, "all_pairs": all_pairs}
