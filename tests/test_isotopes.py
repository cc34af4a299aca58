"""Isotopes share the surface (lesson 11): D2O, HDO and H2O frequencies from one B3LYP Hessian, checked against
experiment (harmonic ratios), the exact Teller-Redlich product rule and the reduced-mass argument; zero-point
energy and thermal mode energies; names of the normal modes of H2O and NH3."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnpes_core.analysis.isotopes import (
    ISOTOPE_MASSES, IsotopeError, isotope_masses, isotopologue_analysis, parse_isotopes, principal_moments,
    product_rule_ratio, reduced_mass_ratio,
)
from nnpes_core.analysis.mode_names import degenerate_groups, mode_name
from nnpes_core.analysis.zero_point import (
    EV_PER_WAVENUMBER, mode_energy, rms_normal_coordinate, zero_point_energy,
)
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.units import BOLTZMANN, KCAL_PER_MOL

DATA = Path(__file__).resolve().parents[1] / "assets" / "data"

# Harmonic wavenumbers (cm^-1) of H2O and D2O from experiment: Benedict, Gailar & Plyler,
# J. Chem. Phys. 24, 1139 (1956) — bend, symmetric stretch, antisymmetric stretch.
EXPERIMENT_HARMONIC = {"H2O": np.array([1648.47, 3832.17, 3942.53]), "D2O": np.array([1206.39, 2763.80, 2888.78])}


@pytest.fixture(scope="module")
def water():
    return read_reference_hessian(DATA / "water_b3lyp_631gs_hessian.json")


def analysis(reference, spec=None):
    return isotopologue_analysis(reference.hessian, reference.atoms, isotope_masses(reference.atoms, spec))


def test_the_d2o_to_h2o_ratios_of_the_b3lyp_surface_match_experiment(water):
    # B3LYP's frequencies are 3-4 % too high, but the isotope ratios come from the masses: they agree
    ratios = analysis(water, "H=2").wavenumbers / analysis(water).wavenumbers
    measured = EXPERIMENT_HARMONIC["D2O"] / EXPERIMENT_HARMONIC["H2O"]
    np.testing.assert_allclose(ratios, measured, atol=0.002)
    assert np.all(np.abs(ratios - 1 / np.sqrt(2)) > 0.01)  # none is exactly 1/sqrt(2)


def test_product_rule_holds_for_every_isotopologue(water):
    base = analysis(water)
    for spec in ("H=2", "1=2", "O=18", "H=3,O=17"):
        masses = isotope_masses(water.atoms, spec)
        product = np.prod(analysis(water, spec).wavenumbers / base.wavenumbers)
        predicted = product_rule_ratio(water.atoms.positions, water.atoms.get_masses(), masses)
        assert product == pytest.approx(predicted, rel=1e-4), spec


def test_product_rule_reduces_to_the_reduced_mass_for_a_diatomic():
    from ase import Atoms

    diatomic = Atoms("HCl", positions=[[0, 0, 0], [0, 0, 1.27]])
    masses = diatomic.get_masses()
    heavy = isotope_masses(diatomic, "H=2")
    assert product_rule_ratio(diatomic.positions, masses, heavy) == pytest.approx(
        reduced_mass_ratio(masses[1], masses[0], heavy[0]), rel=1e-12)


def test_reduced_mass_explains_most_of_the_oh_to_od_shift(water):
    oh_ratio = reduced_mass_ratio(water.atoms.get_masses()[0], water.atoms.get_masses()[1], ISOTOPE_MASSES["H", 2])
    assert oh_ratio == pytest.approx(0.7280, abs=5e-4)
    stretches = analysis(water, "H=2").wavenumbers[1:] / analysis(water).wavenumbers[1:]
    assert np.mean(stretches) == pytest.approx(oh_ratio, abs=0.002)


def test_hdo_has_separate_oh_and_od_stretches(water):
    hdo = analysis(water, "1=2")
    names = [mode_name(water.atoms, d) for d in hdo.displacements]
    assert names[0] == "bend"
    assert 2700 < hdo.wavenumbers[1] < 2800 and 3760 < hdo.wavenumbers[2] < 3810  # OD and OH, local modes
    # the OD stretch moves the deuterium (atom 1), the OH stretch the hydrogen (atom 2)
    assert np.linalg.norm(hdo.displacements[1][1]) > 3 * np.linalg.norm(hdo.displacements[1][2])
    assert np.linalg.norm(hdo.displacements[2][2]) > 3 * np.linalg.norm(hdo.displacements[2][1])


def test_moments_of_inertia_of_water_against_a_hand_calculation(water):
    atoms = water.atoms
    masses = atoms.get_masses()
    r, half_angle = atoms.get_distance(0, 1), np.radians(atoms.get_angle(1, 0, 2) / 2)
    # about the C2 axis (through O): only the H atoms, at r sin(theta/2) from the axis
    moments = principal_moments(masses, atoms.positions)
    assert 2 * masses[1] * (r * np.sin(half_angle)) ** 2 == pytest.approx(moments[1], rel=1e-9)
    assert moments[2] == pytest.approx(moments[0] + moments[1], rel=1e-9)  # planar molecule


def test_zero_point_energy_of_water_from_the_b3lyp_frequencies(water):
    wavenumbers = analysis(water).wavenumbers
    assert EV_PER_WAVENUMBER == pytest.approx(1.239842e-4, rel=1e-6)
    zpe = zero_point_energy(wavenumbers)
    assert zpe == pytest.approx(0.5 * wavenumbers.sum() * 1.239842e-4, rel=1e-6)
    assert zpe / KCAL_PER_MOL == pytest.approx(13.26, abs=0.01)  # B3LYP/6-31G*: 9276 cm^-1 / 2 = 4638 cm^-1
    # experiment's harmonic frequencies give 13.47 kcal/mol
    assert zero_point_energy(EXPERIMENT_HARMONIC["H2O"]) / KCAL_PER_MOL == pytest.approx(13.47, abs=0.01)
    assert zero_point_energy(np.array([-500.0, *wavenumbers])) == zpe  # imaginary modes carry none
    assert zero_point_energy(analysis(water, "H=2").wavenumbers) < 0.75 * zpe


def test_quantum_mode_energy_goes_to_zero_point_when_cold_and_to_kT_when_hot():
    assert mode_energy(3700.0, 0.0) == pytest.approx(0.5 * 3700 * EV_PER_WAVENUMBER)
    assert mode_energy(3700.0, 300.0) == pytest.approx(0.5 * 3700 * EV_PER_WAVENUMBER, rel=1e-6)
    assert mode_energy(100.0, 20000.0) == pytest.approx(BOLTZMANN * 20000.0, rel=1e-4)
    assert mode_energy(3700.0, 300.0, quantum=False) == pytest.approx(BOLTZMANN * 300.0)
    # a classical O-H stretch at 300 K spreads less than a third of the quantum zero-point spread
    ratio = rms_normal_coordinate(3700.0, 300.0, quantum=False) / rms_normal_coordinate(3700.0, 300.0)
    assert 0.25 < ratio < 0.35
    assert rms_normal_coordinate(50.0, 5000.0) == pytest.approx(rms_normal_coordinate(50.0, 5000.0, quantum=False),
                                                                rel=1e-4)


def test_ammonia_modes_are_named_and_grouped():
    reference = read_reference_hessian(DATA / "nh3_b3lyp_631gs_hessian.json")
    result = analysis(reference)
    names = [mode_name(reference.atoms, d) for d in result.displacements]
    assert names == ["symmetric bend", "antisymmetric bend", "antisymmetric bend", "symmetric stretch",
                     "antisymmetric stretch", "antisymmetric stretch"]
    assert degenerate_groups(result.wavenumbers) == [[0], [1, 2], [3], [4, 5]]
    nd3 = isotopologue_analysis(reference.hessian, reference.atoms, isotope_masses(reference.atoms, "H=2"))
    assert nd3.wavenumbers[0] / result.wavenumbers[0] == pytest.approx(0.76, abs=0.005)  # umbrella: N moves too


@pytest.mark.parametrize("spec, message", [
    ("H=5", "unknown isotope 5H"), ("H2", "SYMBOL=MASS_NUMBER"), ("X=2", "unknown isotope 2X"),
    ("H=two", "SYMBOL=MASS_NUMBER"),
])
def test_bad_isotope_specifications_are_refused_in_one_line(spec, message):
    with pytest.raises(IsotopeError, match=message):
        parse_isotopes(spec)


def test_isotopes_must_fit_the_structure(water):
    with pytest.raises(IsotopeError, match="has no C atom"):
        isotope_masses(water.atoms, "C=13")
    with pytest.raises(IsotopeError, match="atom index 3 does not exist"):
        isotope_masses(water.atoms, "3=2")
    with pytest.raises(IsotopeError, match="unknown isotope 2O"):
        isotope_masses(water.atoms, "0=2")
    assert parse_isotopes("h=2, 0=18") == {"H": 2, 0: 18}


def test_isotopologue_table_reports_each_isotopologue_from_the_parent_hessian(water):
    from nnpes_core.analysis.isotopes import isotopologue_table

    rows = isotopologue_table(water.hessian, water.atoms, {"H2O": None, "HDO": "1=2", "D2O": "H=2"})
    assert [row["isotopologue"] for row in rows] == ["H2O", "HDO", "D2O"]
    assert rows[0]["frequency_product"] == pytest.approx(1.0) and rows[0]["product_rule"] == pytest.approx(1.0)
    np.testing.assert_allclose(rows[2]["wavenumbers_cm1"], analysis(water, "H=2").wavenumbers)
    assert rows[0]["zero_point_energy_eV"] > rows[1]["zero_point_energy_eV"] > rows[2]["zero_point_energy_eV"]
    for row in rows:
        assert row["frequency_product"] == pytest.approx(row["product_rule"], rel=1e-4)


def test_methane_modes_match_the_harmonic_frequencies_of_experiment():
    # experiment's harmonic wavenumbers of CH4 (Gray & Robiette, Mol. Phys. 37, 1901 (1979)):
    # nu4 (T2 bend), nu2 (E bend), nu1 (A1 stretch), nu3 (T2 stretch)
    experiment = {"nu4": 1367.4, "nu2": 1582.7, "nu1": 3025.5, "nu3": 3156.8}
    reference = read_reference_hessian(DATA / "ch4_b3lyp_631gs_hessian.json")
    result = analysis(reference)
    groups = degenerate_groups(result.wavenumbers)
    assert [len(group) for group in groups] == [3, 2, 1, 3]
    computed = [result.wavenumbers[group].mean() for group in groups]
    np.testing.assert_allclose(computed, list(experiment.values()), rtol=0.01)
    names = [mode_name(reference.atoms, result.displacements[group[0]]) for group in groups]
    assert names == ["antisymmetric bend", "antisymmetric bend", "symmetric stretch", "antisymmetric stretch"]
    # CD4: the symmetric stretch moves only the H atoms (C at the centre stays), so exactly sqrt(m_H / m_D)
    cd4 = analysis(reference, "H=2")
    symmetric = groups[2][0]
    masses = reference.atoms.get_masses()
    assert cd4.wavenumbers[symmetric] / result.wavenumbers[symmetric] == pytest.approx(
        np.sqrt(masses[1] / ISOTOPE_MASSES["H", 2]), rel=1e-4)
