"""One model registry: every kind is built by one function, seeded without touching global state, and
the CLI, the pages and the test suite read their lists of kinds from it."""
from __future__ import annotations

import pytest
import torch

from nnpes_core.cli import _parser
from nnpes_core.data import molecule
from nnpes_core.models import ATOMISTIC, KINDS, SURFACE, build_model, elements_for, kind_spec, model_kinds


def test_seeded_models_are_identical_and_leave_the_global_generator_alone():
    state = torch.random.get_rng_state()
    first = build_model("bp", [1, 6, 8], seed=3, dtype=torch.float64)
    second = build_model("bp", [1, 6, 8], seed=3, dtype=torch.float64)
    assert torch.equal(torch.random.get_rng_state(), state)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)
    assert next(first.parameters()).dtype == torch.float64


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_builds_and_states_its_capabilities(kind):
    spec = kind_spec(kind)
    elements = elements_for(kind, [molecule("H2O")])
    model = build_model(kind, elements, seed=0)
    assert model.kind == kind and isinstance(model, spec.model_class)
    assert spec.description and spec.label and spec.elements
    assert spec.conservative == getattr(model, "conservative")
    assert spec.counter_example == (not spec.conservative or (spec.world == ATOMISTIC and not spec.invariant))
    assert set(spec.training_defaults) <= {"learning_rate", "batch_size", "epochs", "dtype", "selection", "ema_decay"}


def test_the_worlds_split_the_registry():
    assert set(model_kinds(ATOMISTIC)) | set(model_kinds(SURFACE)) == set(KINDS)
    assert model_kinds(ATOMISTIC, counter_examples=False) == ["bp", "equivariant"]
    with pytest.raises(ValueError, match="unknown model kind"):
        kind_spec("transformer")
    with pytest.raises(ValueError, match="atomic numbers"):
        build_model("bp", [])


def test_the_cli_offers_the_atomistic_kinds_of_the_registry():
    train = next(action for action in _parser()._subparsers._group_actions[0].choices["train"]._actions
                 if action.dest == "model")
    assert list(train.choices) == model_kinds(ATOMISTIC)
