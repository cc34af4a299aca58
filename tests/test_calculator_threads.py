"""The ASE calculator as a user meets it: it picks torch's thread count by system size only around its
own evaluation and gives the caller's setting back, reuses its neighbour list within the skin without
changing any result, and gives the same answer when ASE calls it directly."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from ase.build import bulk, molecule
from ase.md.verlet import VelocityVerlet

import nnpes_core
from nnpes_core.calculator import ATOMS_PER_THREAD, NNPESCalculator, threads_for_system
from nnpes_core.models import load_model
from nnpes_core.units import FS

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"


@pytest.fixture(scope="module")
def bp():
    return load_model(MODELS / "water_bp.pt", dtype=torch.float64)


def recorded_threads(model) -> list[int]:
    """Torch's thread count each time the model is evaluated (a forward pre-hook, removed by the caller)."""
    seen: list[int] = []
    model.register_forward_pre_hook(lambda module, inputs: seen.append(torch.get_num_threads()))
    return seen


def test_small_molecule_runs_on_one_thread_and_the_callers_setting_comes_back(bp):
    calculator = NNPESCalculator(bp)
    seen = recorded_threads(calculator.model)
    atoms = molecule("H2O")
    atoms.calc = calculator
    before = torch.get_num_threads()
    with nnpes_core.threads.torch_threads(2):
        atoms.get_forces()
        assert torch.get_num_threads() == 2  # the caller's choice, untouched
    assert seen == [1] and torch.get_num_threads() == before


def test_thread_rule_grows_with_system_size_up_to_what_the_caller_allows():
    assert threads_for_system(3, available=8) == 1
    assert threads_for_system(ATOMS_PER_THREAD - 1, available=8) == 1
    assert threads_for_system(3 * ATOMS_PER_THREAD, available=8) == 3
    assert threads_for_system(100 * ATOMS_PER_THREAD, available=4) == 4  # never more than allowed
    with nnpes_core.threads.torch_threads(2):
        assert threads_for_system(10 * ATOMS_PER_THREAD) == 2  # default: the caller's torch setting


def test_large_periodic_cell_gets_more_threads_and_explicit_settings_win(bp):
    copper = bulk("Cu", cubic=True).repeat((6, 6, 6))  # 864 atoms
    auto = NNPESCalculator(bp)
    with nnpes_core.threads.torch_threads(4):
        assert auto.evaluation_threads(len(copper)) == min(4, len(copper) // ATOMS_PER_THREAD) > 1
    assert auto.evaluation_threads(3) == 1
    assert NNPESCalculator(bp, threads=2).evaluation_threads(3) == 2
    assert NNPESCalculator(bp, threads=None).evaluation_threads(3) is None  # leave torch alone
    with pytest.raises(ValueError, match="threads"):
        NNPESCalculator(bp, threads=0)


def test_reused_neighbour_list_gives_the_same_forces_as_a_fresh_one(bp):
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(bp)
    atoms.rattle(0.05, seed=1)
    rng = np.random.default_rng(0)
    for step in range(6):  # small moves reuse the list, a large one rebuilds it
        atoms.positions += rng.normal(0.0, 0.02 if step != 3 else 0.4, atoms.positions.shape)
        fresh = atoms.copy()
        fresh.calc = NNPESCalculator(bp)
        np.testing.assert_allclose(atoms.get_forces(), fresh.get_forces(), atol=1e-12)
        assert atoms.get_potential_energy() == pytest.approx(fresh.get_potential_energy(), abs=1e-12)


def test_calling_calculate_directly_uses_the_atoms_given(bp):
    calculator = NNPESCalculator(bp)
    first, second = molecule("H2O"), molecule("H2O")
    second.positions[1] += [0.0, 0.05, 0.0]
    calculator.calculate(first, ["energy", "forces"])
    energy_first = calculator.results["energy"]
    calculator.calculate(second, ["energy", "forces"])
    reference = second.copy()
    reference.calc = NNPESCalculator(bp)
    assert calculator.results["energy"] == pytest.approx(reference.get_potential_energy(), abs=1e-12)
    assert calculator.results["energy"] != pytest.approx(energy_first, abs=1e-6)


def test_homework_script_runs_velocity_verlet_and_leaves_threads_alone():
    atoms = molecule("H2O")
    atoms.calc = nnpes_core.load_calculator(MODELS / "water_equivariant.pt")
    atoms.set_momenta(np.random.default_rng(0).normal(0.0, 0.05, (3, 3)))
    before = torch.get_num_threads()
    start = atoms.get_potential_energy() + atoms.get_kinetic_energy()
    VelocityVerlet(atoms, timestep=0.25 * FS).run(40)
    assert torch.get_num_threads() == before
    # float32 model: its energy is conserved to the float32 rounding of the forces
    assert abs(atoms.get_potential_energy() + atoms.get_kinetic_energy() - start) < 5e-3
