"""A local model in a periodic cell: the energy does not care how the crystal is cut into a cell or where
the cell boundary lies, forces are -dE/dR across the boundary, and ASE's tools work with the model.

Models: seeded, untrained float64 models with the crystal settings (the claims hold for any weights),
and the shipped copper models where the claim is about them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from ase.build import bulk
from ase.md.velocitydistribution import Stationary
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS

from nnpes_core.analysis.evaluation import energies, model_forces
from nnpes_core.analysis.finite_differences import finite_difference_forces
from nnpes_core.dynamics import thermalize_momenta
from nnpes_core.materials import equation_of_state, fcc_supercell, rattled
from nnpes_core.materials.training import MODEL_OPTIONS, crystal_calculator
from nnpes_core.models import build_model
from nnpes_core.units import FS

KINDS = ("bp", "equivariant")
MODELS_DIR = Path(__file__).resolve().parents[1] / "assets" / "models"


@pytest.fixture(scope="module")
def copper_models():
    return {kind: build_model(kind, [29], seed=0, dtype=torch.float64, **MODEL_OPTIONS[kind]).eval() for kind in KINDS}


def rattled_cell(repeat: int = 1, seed: int = 0, sigma: float = 0.08):
    return rattled(fcc_supercell("Cu", repeat), sigma, np.random.default_rng(seed))


def energy(model, atoms) -> float:
    return float(energies(model, atoms, torch.float64)[0])


@pytest.mark.parametrize("kind", KINDS)
def test_energy_is_invariant_when_the_crystal_is_shifted_across_the_cell_boundary(copper_models, kind):
    model = copper_models[kind]
    crystal = rattled_cell(2)
    shifted = crystal.copy()
    shifted.translate([1.3, -2.1, 0.7])  # not a lattice vector: many atoms leave the cell...
    shifted.wrap()  # ...and come back through the opposite face
    assert not np.allclose(shifted.positions, crystal.positions)
    assert energy(model, shifted) == pytest.approx(energy(model, crystal), abs=1e-10)
    assert np.allclose(model_forces(model, shifted), model_forces(model, crystal), atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_an_atom_moved_by_a_lattice_vector_is_the_same_crystal(copper_models, kind):
    model = copper_models[kind]
    crystal = rattled_cell(2, seed=1)
    moved = crystal.copy()
    moved.positions[3] += crystal.cell[0] - 2 * crystal.cell[2]  # outside the cell, same periodic crystal
    assert energy(model, moved) == pytest.approx(energy(model, crystal), abs=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_energy_is_extensive_when_the_supercell_is_rebuilt_larger(copper_models, kind):
    model = copper_models[kind]
    cell = rattled_cell(1, seed=2)  # 4 atoms in a 3.59 Å box: each atom sees many images of itself
    for repeat in [(2, 1, 1), (1, 2, 3)]:
        supercell = cell.repeat(repeat)
        assert energy(model, supercell) == pytest.approx(np.prod(repeat) * energy(model, cell), abs=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_primitive_and_cubic_cells_of_the_perfect_crystal_give_the_same_energy_per_atom(copper_models, kind):
    model = copper_models[kind]
    primitive = bulk("Cu", "fcc", a=3.59)  # one atom, non-orthogonal cell
    cubic = bulk("Cu", "fcc", a=3.59, cubic=True)  # four atoms, cubic cell
    assert energy(model, primitive) == pytest.approx(energy(model, cubic) / 4, abs=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_forces_match_finite_differences_in_a_periodic_cell(copper_models, kind):
    model = copper_models[kind]
    crystal = rattled_cell(1, seed=3)
    crystal.positions[0] = [0.01, 0.02, 3.58]  # an atom right at a face: its neighbours are images
    difference = finite_difference_forces(model, crystal, step=1e-5) - model_forces(model, crystal)
    assert np.abs(model_forces(model, crystal)).max() > 1e-3  # real forces, not zeros
    assert np.abs(difference).max() < 1e-7


def shipped(name: str):
    from nnpes_core.models import load_model

    path = MODELS_DIR / f"{name}.pt"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run assets/scripts/make_materials_data.py")
    return crystal_calculator(load_model(path))


def test_ase_equation_of_state_works_with_the_model_calculator():
    result = equation_of_state(shipped("cu_bp"), "Cu", 3.59)
    assert 3.55 < result.lattice_constant < 3.63 and 100 < result.bulk_modulus_gpa < 170


def test_ase_optimiser_relaxes_a_rattled_crystal_with_the_model():
    crystal = rattled_cell(2, seed=4, sigma=0.05)
    crystal.calc = shipped("cu_bp")
    start = crystal.get_potential_energy()
    assert BFGS(crystal, logfile=None).run(fmax=0.01, steps=100)
    assert crystal.get_potential_energy() < start - 0.05
    assert np.abs(crystal.get_forces()).max() < 0.01


def test_nve_md_of_the_periodic_crystal_with_the_model_conserves_energy():
    crystal = fcc_supercell("Cu", 2)
    crystal.calc = shipped("cu_bp")
    thermalize_momenta(crystal, temperature_K=600.0, rng=np.random.default_rng(0))
    Stationary(crystal)  # (no ZeroRotation: a periodic crystal has no rotations to remove)
    dynamics = VelocityVerlet(crystal, timestep=2.0 * FS)
    total = []
    dynamics.attach(lambda: total.append(crystal.get_total_energy()), interval=2)
    dynamics.run(40)
    assert crystal.get_kinetic_energy() > 0.5  # eV: the atoms really move (32 atoms at ~300 K after sharing)
    assert np.ptp(total) < 1e-3 * len(crystal)  # eV: under a meV per atom over 80 fs
    assert np.abs(crystal.get_scaled_positions(wrap=False)).max() < 2  # atoms stayed near their sites
