"""LEPS H + H2 as an ASE calculator: its collinear slice is lesson 1's 2-D surface, its forces are the
exact -dE/dR (finite differences agree), it is symmetric in the three atoms, it becomes the H2 Morse
curve when one atom leaves, and it refuses anything that is not three H atoms."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from ase import Atoms
from ase.optimize import BFGS

from nnpes_core.potentials import LEPS, LEPSCalculator, gradient
from nnpes_core.potentials.leps_calculator import LEPSInputError
from nnpes_core.reactions import collinear_h3


def energy(atoms: Atoms, calculator: LEPSCalculator) -> float:
    work = atoms.copy()
    work.calc = calculator
    return work.get_potential_energy()


def bent_h3() -> Atoms:
    return Atoms("H3", positions=[[0.0, 0.0, 0.0], [0.93, 0.05, -0.02], [1.71, 0.62, 0.11]])


@pytest.mark.parametrize("sato", [0.18, 0.134])
def test_collinear_slice_is_the_two_dimensional_leps_surface(sato):
    surface, calculator = LEPS(sato=sato), LEPSCalculator(sato=sato)
    grid = [(r_ab, r_bc) for r_ab in (0.5, 0.74, 0.92, 1.4, 2.6) for r_bc in (0.6, 0.92, 1.7, 3.0)]
    for r_ab, r_bc in grid:
        expected = float(surface(torch.tensor([r_ab, r_bc], dtype=torch.float64)))
        assert energy(collinear_h3(r_ab, r_bc), calculator) == pytest.approx(expected, abs=1e-12)


def test_collinear_forces_are_the_gradient_of_the_two_dimensional_surface():
    # A at x = 0, B at r_AB, C at r_AB + r_BC: moving A by dx shortens r_AB, so F_A,x = +dE/dr_AB,
    # and moving C lengthens r_BC, so F_C,x = -dE/dr_BC.
    r_ab, r_bc = 1.1, 0.8
    atoms = collinear_h3(r_ab, r_bc)
    atoms.calc = LEPSCalculator()
    forces = atoms.get_forces()
    dE = gradient(LEPS(), torch.tensor([r_ab, r_bc], dtype=torch.float64)).numpy()
    assert forces[0, 0] == pytest.approx(dE[0], abs=1e-12)
    assert forces[2, 0] == pytest.approx(-dE[1], abs=1e-12)
    assert np.abs(forces[:, 1:]).max() == 0.0  # nothing pushes a collinear H3 off its line


def test_forces_agree_with_central_finite_differences_in_any_geometry():
    atoms, calculator = bent_h3(), LEPSCalculator()
    atoms.calc = calculator
    forces = atoms.get_forces()
    step = 1e-5
    numerical = np.zeros((3, 3))
    for atom in range(3):
        for axis in range(3):
            shifted = []
            for sign in (1, -1):
                copy = atoms.copy()
                copy.positions[atom, axis] += sign * step
                shifted.append(energy(copy, calculator))
            numerical[atom, axis] = -(shifted[0] - shifted[1]) / (2 * step)
    assert np.abs(forces - numerical).max() < 1e-8  # eV/Å; forces here are ~1 eV/Å
    assert np.abs(forces.sum(axis=0)).max() < 1e-12  # no net force on an isolated molecule


def test_energy_is_the_same_for_any_labelling_rotation_and_shift():
    atoms, calculator = bent_h3(), LEPSCalculator()
    reference = energy(atoms, calculator)
    swapped = atoms[[2, 0, 1]]
    turned = atoms.copy()
    turned.rotate(73, (0.3, -1.0, 0.5))
    turned.translate((4.0, -2.0, 1.0))
    assert energy(swapped, calculator) == pytest.approx(reference, abs=1e-12)
    assert energy(turned, calculator) == pytest.approx(reference, abs=1e-12)


def test_one_atom_far_away_leaves_the_h2_morse_curve():
    surface, calculator = LEPS(), LEPSCalculator()
    for r in (0.6, 0.7416, 1.0, 1.5):
        far = collinear_h3(40.0, r)
        assert energy(far, calculator) == pytest.approx(float(surface.singlet(torch.tensor(r, dtype=torch.float64))), abs=1e-10)


def test_bfgs_relaxes_h2_to_the_morse_bond_length():
    atoms = collinear_h3(30.0, 0.9)
    atoms.calc = LEPSCalculator()
    assert BFGS(atoms, logfile=None).run(fmax=1e-5, steps=100)
    assert atoms.get_distance(1, 2) == pytest.approx(0.7416, abs=1e-5)
    assert atoms.get_potential_energy() == pytest.approx(-4.7466, abs=1e-9)  # -D_e


def test_equilateral_triangle_has_finite_forces_at_the_conical_intersection():
    side = 1.2
    atoms = Atoms("H3", positions=[[0, 0, 0], [side, 0, 0], [side / 2, side * np.sqrt(3) / 2, 0]])
    atoms.calc = LEPSCalculator()
    assert np.isfinite(atoms.get_forces()).all()


@pytest.mark.parametrize("structure", [Atoms("H2", positions=[[0, 0, 0], [0.74, 0, 0]]),
                                       Atoms("OH2", positions=[[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])])
def test_anything_but_three_hydrogen_atoms_is_refused_in_one_line(structure):
    structure.calc = LEPSCalculator()
    with pytest.raises(LEPSInputError, match="three H atoms"):
        structure.get_potential_energy()
    assert issubclass(LEPSInputError, ValueError)


def test_sato_parameter_outside_its_range_is_refused():
    with pytest.raises(ValueError, match="Sato"):
        LEPSCalculator(sato=1.5)
