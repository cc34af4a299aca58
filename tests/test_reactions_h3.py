"""H + H2 -> H2 + H on LEPS with ASE's NEB (climbing image): the saddle of lesson 1's surface (k = 0.18:
0.229 eV at r = 0.915 Å, the same as Newton's method on the collinear map), exactly one imaginary
frequency, the H2 stretch of the Morse curve, and Sato's parameter k = 0.134 for the accurate 0.425 eV."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nnpes_core.potentials import LEPS, LEPSCalculator, find_stationary_point
from nnpes_core.reactions import (
    collinear_coordinates, leps_barrier_curve, path_structures, study_h_plus_h2, valley_structures,
)
from nnpes_core.units import AMU_KG, EV_J, SPEED_OF_LIGHT_CM_S


@pytest.fixture(scope="module")
def lesson_one() -> object:
    """The study on lesson 1's LEPS surface (Sato k = 0.18)."""
    return study_h_plus_h2(LEPSCalculator(sato=0.18), "LEPS")


def test_climbing_image_finds_the_leps_saddle_of_lesson_one(lesson_one):
    assert lesson_one.path.converged
    assert lesson_one.barrier == pytest.approx(0.229, abs=0.001)  # eV above H + H2
    r_ab, r_bc = collinear_coordinates([lesson_one.saddle.atoms])[0]
    assert r_ab == pytest.approx(0.915, abs=0.003) and r_bc == pytest.approx(r_ab, abs=1e-3)  # symmetric
    # the same point by a different road: Newton's method on the collinear 2-D map
    newton = find_stationary_point(LEPS(sato=0.18), [0.9, 0.9])
    assert lesson_one.saddle.energy == pytest.approx(newton.energy, abs=1e-5)


def test_the_leps_saddle_has_exactly_one_imaginary_frequency(lesson_one):
    saddle = lesson_one.saddle
    assert saddle.modes.n_rigid == 5  # linear H3: 3 translations and 2 rotations projected out
    assert len(saddle.modes.wavenumbers) == 4 and saddle.n_negative == 1
    assert saddle.imaginary_wavenumber == pytest.approx(1583, abs=15)  # cm⁻¹
    bend, bend_2, stretch = saddle.real_wavenumbers
    assert bend == pytest.approx(bend_2, rel=1e-3) and stretch > bend  # a degenerate bend, then the stretch
    assert saddle.largest_force < 0.03  # eV/Å, the band's convergence threshold


def test_the_path_is_collinear_and_symmetric(lesson_one):
    coordinates = collinear_coordinates(lesson_one.path.images)  # [n, 2]
    np.testing.assert_allclose(coordinates, coordinates[::-1, ::-1], atol=2e-3)  # r_AB <-> r_BC mirror
    bent = [np.abs(image.positions[:, 1:]).max() for image in lesson_one.path.images]
    assert max(bent) < 1e-9  # forces never push a collinear band off its line
    profile = lesson_one.profile()
    np.testing.assert_allclose(profile, profile[::-1], atol=1e-3)


def test_h2_stretch_of_the_reactants_is_the_morse_harmonic_frequency(lesson_one):
    # omega = a sqrt(2 D_e / mu) for a Morse curve
    surface = LEPS()
    mu = 1.00794 / 2 * AMU_KG
    omega = surface.morse_a * 1e10 * math.sqrt(2 * surface.well_depth * EV_J / mu)
    assert lesson_one.h2_wavenumber == pytest.approx(omega / (2 * math.pi * SPEED_OF_LIGHT_CM_S), rel=2e-3)


def test_sato_parameter_0134_gives_the_accurate_barrier_near_093_angstrom():
    study = study_h_plus_h2(LEPSCalculator(sato=0.134))
    assert study.barrier == pytest.approx(0.425, abs=0.003)  # Liu-Siegbahn-Truhlar-Horowitz: 0.425 eV
    assert collinear_coordinates([study.saddle.atoms])[0, 0] == pytest.approx(0.93, abs=0.005)
    assert study.saddle.is_first_order_saddle


def test_training_structures_lie_where_they_are_said_to(lesson_one):
    calculator = LEPSCalculator()
    valleys = valley_structures(20, calculator, seed=3)
    along = path_structures(lesson_one.path, 20, calculator, seed=4)

    def second_shortest(atoms):  # the saddle has two distances near 0.92 Å; a valley has one
        return np.sort(atoms.get_all_distances()[np.triu_indices(3, 1)])[1]

    assert min(second_shortest(a) for a in valleys) > 1.4
    assert sum(second_shortest(a) < 1.2 for a in along) >= 3  # some reach the saddle region
    assert all("energy" in a.calc.results and a.get_forces().shape == (3, 3) for a in valleys + along)


def test_barrier_curve_on_the_symmetric_line_matches_newton_and_the_band(lesson_one):
    # the collinear saddle is the lowest point of the symmetric line r_AB = r_BC
    barriers, distances = leps_barrier_curve([0.18, 0.14, 0.10])
    assert barriers[0] == pytest.approx(lesson_one.barrier, abs=2e-4)
    assert distances[0] == pytest.approx(0.9153, abs=5e-4)
    newton = find_stationary_point(LEPS(sato=0.14), [0.9, 0.9])
    assert barriers[1] == pytest.approx(newton.energy - LEPS(sato=0.14).reactant_energy(), abs=1e-6)
    assert barriers[0] < barriers[1] < barriers[2]  # a larger Sato parameter lowers the pass
