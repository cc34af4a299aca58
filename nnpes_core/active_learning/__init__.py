"""Active learning by committee: new reference data only where the model is unsure.

- ``uncertainty``: a committee's spread per structure and per atom, and how well it ranks the true
  error (Spearman's rho): ``committee_spread``, ``spread_versus_error``.
- ``pool``: a labelled pool whose labels are revealed only when picked (``HiddenLabelPool``,
  ``PoolSource``); ``md_candidates``: candidates from MD with the current model, labelled by a
  reference calculator when picked (``MDSource``).
- ``selection``: uncertainty vs random picking, and the spread-threshold stopping rule.
- ``loop``: the loop itself, ``run_active_learning`` -> ``ActiveLearningRun`` (a learning curve).
- ``comparison``: uncertainty against random with the same labels budget over several seeds.
- ``invariance``: rotated and translated copies of known structures — ignored by an invariant
  committee, mistaken for new ones by a committee of Cartesian MLPs (wasted labels).
- ``surface``: the same loop on the Müller-Brown surface, where every pick can be drawn on the map.
"""
from nnpes_core.active_learning.loop import ActiveLearningRun, ActiveLearningSettings, RoundRecord, run_active_learning
from nnpes_core.active_learning.md_candidates import MDSource, md_candidates
from nnpes_core.active_learning.pool import HiddenLabelPool, PoolError, PoolSource
from nnpes_core.active_learning.selection import (
    STRATEGIES, StoppingPoint, StrategyError, check_strategy, select, stopping_point,
)
from nnpes_core.active_learning.uncertainty import (
    CommitteeSpread, SpreadVersusError, committee_spread, spearman_rank_correlation, spread_versus_error,
)

__all__ = [
    "ActiveLearningRun", "ActiveLearningSettings", "RoundRecord", "run_active_learning", "MDSource", "md_candidates",
    "HiddenLabelPool", "PoolError", "PoolSource", "STRATEGIES", "StoppingPoint", "StrategyError", "check_strategy",
    "select", "stopping_point", "CommitteeSpread", "SpreadVersusError", "committee_spread",
    "spearman_rank_correlation", "spread_versus_error",
]
