"""Why invariant models waste no labels: rotated and translated copies of known structures.

A molecule moved rigidly, R_I -> Q R_I + t, is the same molecule: same energy, forces turned by Q. A
committee of invariant models (Behler-Parrinello, equivariant) gives the copy exactly the energy spread
and per-atom force spread of the original, |Q sigma| = |sigma|, so a copy of a structure it already knows
looks exactly as known as the original. A committee of Cartesian MLPs sees new input numbers, disagrees
about them, and would spend labels on structures whose labels it could have had for free.

The experiment: train a committee on ``known`` structures; offer as candidates one rotated + translated
copy of each known structure and as many genuinely new structures. A candidate is *new to the committee*
when its spread exceeds everything the committee shows on its own training data,

    sigma(candidate) > max_known sigma  (1 + tolerance),

and the k = len(new) labels go to the most uncertain of those. Every copy among the picks is a wasted
label. For an invariant committee no copy can pass the test (its spread equals its original's, up to
round-off): none is ever picked. Plain top-k picking without the test is reported too: there an invariant
committee picks a copy exactly when it would pick the original again, i.e. only when it is unsure about its
own training data — a training problem, not a symmetry one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from ase import Atoms

from nnpes_core.active_learning.selection import select
from nnpes_core.active_learning.uncertainty import committee_spread
from nnpes_core.data.augmentation import rotated_frame
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.data.io import labelled_copy
from nnpes_core.geometry import random_rotation_matrices
from nnpes_core.models import Committee
from nnpes_core.training import default_config, train_committee

MAX_SHIFT_A = 3.0  # Å: each copy is moved by a random vector with components in [-3, 3] Å
NOVELTY_TOLERANCE = 1e-3  # relative: far above float32 round-off of a spread (~1e-5 measured)


def rigid_copies(frames: Sequence[Atoms], seed: int = 0, max_shift: float = MAX_SHIFT_A) -> list[Atoms]:
    """One copy of each structure, rotated about its centre by a random rotation and translated by a random
    vector (components uniform in [-max_shift, max_shift] Å); labels turn with it (E kept, F -> Q F)."""
    rng = np.random.default_rng(seed)
    rotations = random_rotation_matrices(len(frames), rng)
    copies = []
    for atoms, rotation in zip(frames, rotations):
        turned = rotated_frame(atoms, rotation)
        moved = Atoms(turned.numbers, positions=turned.positions + rng.uniform(-max_shift, max_shift, 3),
                      info=dict(atoms.info))
        results = getattr(turned.calc, "results", None) or {}
        copies.append(labelled_copy(moved, results.get("energy"), results.get("forces")))
    return copies


@dataclass
class WastedLabels:
    """Where one committee would spend k labels among copies of known structures and new ones."""

    kind: str
    spread_known: np.ndarray  # [n_known] largest atomic force spread on the known structures (eV/Å)
    spread_copies: np.ndarray  # [n_known] the same on their rigid copies
    spread_new: np.ndarray  # [n_new] on the new structures
    tolerance: float = NOVELTY_TOLERANCE

    @property
    def k(self) -> int:
        """The labels budget: one per new structure."""
        return len(self.spread_new)

    @property
    def known_level(self) -> float:
        """The largest spread on the training structures: above it a candidate is new to the committee."""
        return float(self.spread_known.max()) * (1 + self.tolerance)

    @property
    def candidates(self) -> np.ndarray:
        return np.concatenate([self.spread_copies, self.spread_new])  # copies first, then the new ones

    @property
    def picked(self) -> np.ndarray:
        """Candidate positions labelled: the k most uncertain among those new to the committee."""
        novel = np.flatnonzero(self.candidates > self.known_level)
        chosen = select("uncertainty", self.candidates[novel], self.k, np.random.default_rng(0))
        return novel[chosen]

    @property
    def wasted(self) -> int:
        """Labels spent on copies of structures the committee was trained on."""
        return int(np.sum(self.picked < len(self.spread_copies)))

    @property
    def wasted_top_k(self) -> int:
        """The same, picking the plain top k (no comparison with the training structures)."""
        picked = select("uncertainty", self.candidates, self.k, np.random.default_rng(0))
        return int(np.sum(picked < len(self.spread_copies)))

    @property
    def copy_spread_change(self) -> float:
        """max |sigma(copy) - sigma(original)| / sigma(original): round-off for an invariant committee."""
        return float(np.max(np.abs(self.spread_copies - self.spread_known) / np.maximum(self.spread_known, 1e-300)))


def wasted_labels(committee: Committee, known: Sequence[Atoms], new: Sequence[Atoms], seed: int = 0,
                  kind: str = "") -> WastedLabels:
    """The committee's force spread on ``known``, on rigid copies of them (seeded) and on ``new``."""
    copies = rigid_copies(known, seed)
    dtype = next(committee.parameters()).dtype
    spread = lambda frames: committee_spread(committee, AtomicBatch.from_atoms(  # noqa: E731
        list(frames), committee.cutoff_radius, dtype=dtype, with_labels=False)).force_spread
    return WastedLabels(kind or getattr(committee.members[0], "kind", "?"), spread(known), spread(copies), spread(new))


def invariance_experiment(known: Sequence[Atoms], new: Sequence[Atoms], kinds: Sequence[str] = ("bp", "cartesian"),
                          committee_size: int = 4, epochs: int = 300, time_budget: float | None = None,
                          seed: int = 0, model_options: dict | None = None, progress=None) -> dict[str, WastedLabels]:
    """For each model kind: a committee trained on ``known`` (``train_committee``: seeds and bootstrap
    subsets differ; each kind's default training settings, ``epochs`` per member or ``time_budget`` s for
    the whole committee), then ``wasted_labels`` with the same copies and new structures for every kind.
    ``progress(done, total, kind)`` is called before each committee."""
    results = {}
    for index, kind in enumerate(kinds):
        if progress is not None:
            progress(index, len(kinds), kind)
        budget = None if time_budget is None else time_budget / committee_size
        config = default_config(kind, epochs=epochs, time_budget=budget, seed=seed)
        committee = train_committee(kind, list(known), None, config, committee_size,
                                    **(model_options or {}).get(kind, {}))
        results[kind] = wasted_labels(committee, known, new, seed=seed, kind=kind)
    return results
