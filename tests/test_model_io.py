"""A model keeps its predictions through the ASE calculator and through a save/load round trip, and
neither changes torch's global default dtype."""
from __future__ import annotations

import copy

import numpy as np
import torch

from nnpes_core.analysis import energies_and_forces
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.models import load_model, save_model


def test_calculator_gives_the_models_energy_and_forces(any_model):
    case = any_model
    energy, forces = energies_and_forces(case.model, case.atoms, case.dtype)
    atoms = case.atoms.copy()
    atoms.calc = NNPESCalculator(case.model_in_dtype())
    assert abs(atoms.get_potential_energy() - energy[0]) <= case.tolerance.bound(abs(energy[0]))
    assert np.abs(atoms.get_forces() - forces[0]).max() <= case.tolerance.bound(np.abs(forces[0]).max())


def test_calculator_does_not_change_torch_default_dtype(any_model):
    case = any_model
    default_dtype = torch.get_default_dtype()
    atoms = case.atoms.copy()
    atoms.calc = NNPESCalculator(case.model_in_dtype())
    atoms.get_forces()
    assert torch.get_default_dtype() == default_dtype
    assert torch.zeros(1).dtype == default_dtype


def test_committee_calculator_reports_the_spread_of_its_members(trained_models, morse_water_frames):
    atoms = morse_water_frames[-1].copy()
    atoms.calc = NNPESCalculator(copy.deepcopy(trained_models["committee"]))
    atoms.get_forces()
    assert atoms.calc.results["energy_std"] > 0
    assert atoms.calc.results["forces_std"].shape == (len(atoms), 3)


def test_save_load_round_trip_gives_identical_predictions(any_model, tmp_path):
    case = any_model
    model = case.model_in_dtype()
    path = save_model(model, tmp_path / "model.pt")
    loaded = load_model(path)
    assert next(loaded.parameters()).dtype == case.dtype
    energy, forces = energies_and_forces(model, case.atoms, case.dtype)
    loaded_energy, loaded_forces = energies_and_forces(loaded, case.atoms, case.dtype)
    np.testing.assert_array_equal(loaded_energy, energy)
    np.testing.assert_array_equal(loaded_forces[0], forces[0])
    assert torch.load(path, weights_only=True)["kind"] == case.kind
