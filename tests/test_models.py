"""Every model kind of the registry passes the reusable model suite (tests/model_suite.py), and every
counter-example fails the checks it is the counter-example to."""
from __future__ import annotations

import copy

from model_suite import ModelKindTests
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.models import ATOMISTIC, model_kinds


class TestCartesianMLP(ModelKindTests):
    kind = "cartesian"


class TestDirectForceNet(ModelKindTests):
    kind = "direct"


class TestBehlerParrinello(ModelKindTests):
    kind = "bp"


class TestEquivariantMPNN(ModelKindTests):
    kind = "equivariant"


class TestCommittee(ModelKindTests):
    kind = "committee"

    def test_calculator_reports_the_spread_of_its_members(self, trained_models, morse_water_frames):
        atoms = morse_water_frames[-1].copy()
        atoms.calc = NNPESCalculator(copy.deepcopy(trained_models["committee"]))
        atoms.get_forces()
        assert atoms.calc.results["energy_std"] > 0
        assert atoms.calc.results["forces_std"].shape == (len(atoms), 3)


def test_every_atomistic_kind_of_the_registry_has_a_test_class():
    tested = {cls.kind for cls in ModelKindTests.__subclasses__()}
    assert set(model_kinds(ATOMISTIC)) <= tested
