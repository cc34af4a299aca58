"""Coulomb + Born-Mayer ion pairs: the NaCl minimum where it belongs, forces = -dE/dR, clear errors."""
from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from nnpes_core.potentials.ionic import (
    COULOMB_CONSTANT, NACL_BOND_LENGTH, NACL_RHO, IonicPairPotential, born_mayer_prefactor, nacl_ion_pair,
)


def _pair(distance: float) -> Atoms:
    atoms = Atoms("NaCl", positions=[[0, 0, 0], [distance, 0, 0]])
    atoms.calc = nacl_ion_pair()
    return atoms


def test_coulomb_constant_is_e_squared_over_four_pi_epsilon_zero_in_ev_angstrom():
    assert COULOMB_CONSTANT == pytest.approx(14.3996, abs=1e-3)


def test_nacl_minimum_is_at_the_experimental_bond_length_with_the_born_mayer_well_depth():
    distances = np.linspace(2.0, 3.0, 2001)
    energies = [_pair(r).get_potential_energy() for r in distances]
    assert distances[int(np.argmin(energies))] == pytest.approx(NACL_BOND_LENGTH, abs=1e-3)
    depth = COULOMB_CONSTANT / NACL_BOND_LENGTH * (1 - NACL_RHO / NACL_BOND_LENGTH)
    assert _pair(NACL_BOND_LENGTH).get_potential_energy() == pytest.approx(-depth, rel=1e-9)
    assert depth == pytest.approx(5.28, abs=0.01)
    assert np.abs(_pair(NACL_BOND_LENGTH).get_forces()).max() < 1e-9


def test_far_apart_the_energy_is_the_coulomb_law():
    for distance in (12.0, 20.0, 100.0):  # the Born-Mayer term is below 1e-14 eV there
        assert _pair(distance).get_potential_energy() == pytest.approx(-COULOMB_CONSTANT / distance, rel=1e-9)


def test_forces_are_minus_the_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    atoms = Atoms("NaClNaCl", positions=rng.uniform(0, 5, (4, 3)) + np.arange(4)[:, None] * 1.5)
    atoms.calc = nacl_ion_pair()
    forces = atoms.get_forces()
    step, numeric = 1e-5, np.zeros_like(forces)
    for atom in range(len(atoms)):
        for axis in range(3):
            energies = []
            for sign in (1, -1):
                moved = atoms.copy()
                moved.calc = nacl_ion_pair()
                moved.positions[atom, axis] += sign * step
                energies.append(moved.get_potential_energy())
            numeric[atom, axis] = -(energies[0] - energies[1]) / (2 * step)
    assert np.allclose(forces, numeric, atol=1e-6)
    assert np.allclose(forces.sum(axis=0), 0.0, atol=1e-10)  # Newton's third law


def test_initial_charges_override_the_element_charges():
    atoms = Atoms("NaCl", positions=[[0, 0, 0], [10.0, 0, 0]], charges=[2.0, -2.0])
    atoms.calc = IonicPairPotential({"Na": 1.0, "Cl": -1.0})
    assert atoms.get_potential_energy() == pytest.approx(-4 * COULOMB_CONSTANT / 10.0)


def test_missing_charge_periodic_cell_and_repulsive_minimum_are_clear_errors():
    atoms = Atoms("NaK", positions=[[0, 0, 0], [3.0, 0, 0]])
    atoms.calc = IonicPairPotential({"Na": 1.0})
    with pytest.raises(ValueError, match="no charge given for K"):
        atoms.get_potential_energy()
    periodic = Atoms("NaCl", positions=[[0, 0, 0], [3.0, 0, 0]], cell=[10, 10, 10], pbc=True)
    periodic.calc = nacl_ion_pair()
    with pytest.raises(NotImplementedError):
        periodic.get_potential_energy()
    with pytest.raises(ValueError):
        born_mayer_prefactor(2.0, 0.3, charge_product=1.0)
