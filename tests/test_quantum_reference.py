"""The quantum-chemistry reference: real PySCF numbers checked against known values and physics."""
from __future__ import annotations

import time

import numpy as np
import pytest
from ase import Atoms
from ase.build import molecule
from pyscf import fci, gto, scf

from nnpes_core.potentials import PySCFCalculator, fit_minimum, h2_curve
from nnpes_core.units import BOHR, HARTREE


def h2(distance: float) -> Atoms:
    return Atoms("H2", positions=[[0.0, 0.0, 0.0], [0.0, 0.0, distance]])


def test_h2_fci_cc_pvdz_minimum_matches_the_literature(tmp_path):
    curve = h2_curve(np.linspace(0.72, 0.80, 5), basis="cc-pvdz", nroots=1, cache_dir=tmp_path)
    fit = fit_minimum(curve.distances, curve.energies[:, 0])
    assert fit.bond_length == pytest.approx(0.761, abs=0.002)
    assert fit.energy / HARTREE == pytest.approx(-1.16367, abs=2e-5)


def test_hartree_fock_lies_above_fci_at_every_distance(tmp_path):
    curve = h2_curve([0.4, 0.76, 1.2, 2.0, 3.0, 4.0], basis="cc-pvdz", nroots=1, cache_dir=tmp_path)
    assert np.all(curve.hf_energies > curve.energies[:, 0])  # variational principle
    # RHF cannot dissociate H2 into two H atoms: its error grows with R.
    error = curve.hf_energies - curve.energies[:, 0]
    assert error[-1] > 5 * error[1]


def test_a_larger_basis_gives_a_lower_fci_energy(tmp_path):
    distances = [0.6, 0.76, 1.5]
    energies = [h2_curve(distances, basis=basis, nroots=1, cache_dir=tmp_path).energies[:, 0]
                for basis in ("sto-3g", "6-31g", "cc-pvdz")]
    assert np.all(energies[0] > energies[1]) and np.all(energies[1] > energies[2])


def test_nuclear_repulsion_is_coulomb_between_protons(tmp_path):
    curve = h2_curve([0.5, 1.0, 2.0], basis="sto-3g", cache_dir=tmp_path)
    expected = HARTREE * BOHR / curve.distances  # Z_A Z_B / R with R in Bohr, in eV
    assert np.allclose(curve.nuclear_repulsion, expected, rtol=1e-10)


def test_fci_roots_are_ordered_singlets(tmp_path):
    calculator = PySCFCalculator("fci", "cc-pvdz", nroots=3, cache_dir=tmp_path)
    calculator.get_potential_energy(h2(1.0))
    ours = calculator.results["state_energies"]
    assert np.all(np.diff(ours) > 0)
    assert np.allclose(calculator.results["s_squared"], 0.0, atol=1e-6)
    # Independent check: plain FCI (which lets triplets in) with more roots, keeping the singlets.
    mol = gto.M(atom="H 0 0 0; H 0 0 1.0", basis="cc-pvdz", verbose=0)
    mean_field = scf.RHF(mol).run(conv_tol=1e-10)
    solver = fci.FCI(mean_field)
    solver.conv_tol = 1e-12
    energies, vectors = solver.kernel(nroots=8)
    norb, nelec = mean_field.mo_coeff.shape[1], mol.nelec
    singlets = [e for e, v in zip(energies, vectors) if abs(solver.spin_square(v, norb, nelec)[0]) < 1e-4]
    assert len(singlets) < len(energies)  # triplets were there to be excluded
    assert np.allclose(ours / HARTREE, singlets[:3], atol=1e-8)


def test_fci_forces_are_newtonian_and_pull_a_stretched_bond_together(tmp_path):
    calculator = PySCFCalculator("fci", "sto-3g", cache_dir=tmp_path)
    forces = calculator.get_forces(h2(0.9))  # stretched beyond r_e = 0.735 Å
    assert np.allclose(forces.sum(axis=0), 0.0, atol=1e-8)
    assert forces[0, 2] > 0 > forces[1, 2]
    # Central difference of the energy along the bond, done here independently.
    step = 1e-4
    energy_plus = calculator.get_potential_energy(h2(0.9 + step))
    energy_minus = calculator.get_potential_energy(h2(0.9 - step))
    slope = (energy_plus - energy_minus) / (2 * step)
    assert forces[1, 2] == pytest.approx(-slope, rel=1e-5)


def test_b3lyp_analytic_forces_equal_finite_differences_of_the_energy():
    water = molecule("H2O")
    water.rattle(0.03, seed=3)
    calculator = PySCFCalculator("b3lyp", "6-31g*", cache_dir=None)
    forces = calculator.get_forces(water)
    step = 1e-3
    for atom, axis in [(0, 2), (1, 1), (2, 2)]:
        energies = []
        for sign in (1, -1):
            displaced = water.copy()
            displaced.positions[atom, axis] += sign * step
            energies.append(calculator.get_potential_energy(displaced))
        assert forces[atom, axis] == pytest.approx(-(energies[0] - energies[1]) / (2 * step), abs=2e-4)


def test_disk_cache_returns_the_same_numbers_and_is_fast(tmp_path):
    water = molecule("H2O")
    first = PySCFCalculator("hf", "6-31g*", cache_dir=tmp_path)
    forces = first.get_forces(water)
    assert not first.from_cache and len(list(tmp_path.glob("*.npz"))) == 1
    second = PySCFCalculator("hf", "6-31g*", cache_dir=tmp_path)
    start = time.perf_counter()
    assert second.get_forces(water) == pytest.approx(forces, abs=0)
    assert time.perf_counter() - start < 0.1
    assert second.from_cache
    assert second.get_potential_energy(water) == first.get_potential_energy(water)
    # A different basis is a different calculation, not a cache hit.
    other = PySCFCalculator("hf", "sto-3g", cache_dir=tmp_path)
    other.get_potential_energy(water)
    assert not other.from_cache


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: PySCFCalculator("ccsd-magic"), "unknown method"),
        (lambda: PySCFCalculator("hf", nroots=3), "nroots"),
        (lambda: PySCFCalculator("hf", cache_dir=None).get_potential_energy(Atoms("H")), "spin"),
        (lambda: PySCFCalculator("hf", cache_dir=None).get_potential_energy(Atoms("OH", [[0, 0, 0], [0, 0, 1]])),
         "spin"),
        (lambda: PySCFCalculator("hf", "no-such-basis", cache_dir=None).get_potential_energy(h2(0.74)), "basis"),
        (lambda: PySCFCalculator("fci", "sto-3g", nroots=4, cache_dir=None).get_potential_energy(h2(0.74)),
         "only 3 states"),
    ],
)
def test_bad_input_gives_a_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_open_shell_atom_with_the_right_spin_works(tmp_path):
    hydrogen = PySCFCalculator("hf", "cc-pvdz", spin=1, cache_dir=tmp_path)
    assert hydrogen.get_potential_energy(Atoms("H")) / HARTREE == pytest.approx(-0.49928, abs=1e-5)
