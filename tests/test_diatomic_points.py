"""H2 point by point: the same curve as in one call, honest about the cache, and the right number of states."""
from __future__ import annotations

import numpy as np
import pytest
from pyscf import fci, gto, scf

from nnpes_core.potentials import PySCFCalculator, h2_curve
from nnpes_core.potentials.curve_analysis import closest_approaches
from nnpes_core.potentials.diatomic_points import (
    CurvePoint, curve_from_points, diatomic_molecule, diatomic_point, hydrogen_atom_energy, max_singlet_roots,
    singlet_state_count,
)
from nnpes_core.units import HARTREE


def test_points_joined_give_the_same_curve_as_one_call(tmp_path):
    distances = [1.2, 0.6, 0.9]  # unsorted on purpose
    points = [diatomic_point("H2", r, "sto-3g", nroots=3, cache_dir=tmp_path / "a") for r in distances]
    joined = curve_from_points(points)
    whole = h2_curve(sorted(distances), basis="sto-3g", nroots=3, cache_dir=tmp_path / "b")
    assert np.allclose(joined.distances, whole.distances)
    assert np.allclose(joined.energies, whole.energies, atol=1e-9)
    assert np.allclose(joined.hf_energies, whole.hf_energies, atol=1e-9)
    assert np.allclose(joined.nuclear_repulsion, whole.nuclear_repulsion, atol=1e-12)
    assert joined.metadata["computed"] == 3 and joined.metadata["from_cache"] == 0


def test_a_point_says_whether_it_came_from_the_disk_cache(tmp_path):
    first = diatomic_point("H2", 0.74, "sto-3g", cache_dir=tmp_path)
    again = diatomic_point("H2", 0.74, "sto-3g", cache_dir=tmp_path)
    assert not first.from_cache and again.from_cache
    assert np.allclose(first.energies, again.energies)
    assert curve_from_points([again]).metadata == {"computed": 0, "from_cache": 1, "seconds": again.seconds}


def test_the_electronic_energy_is_the_total_minus_the_nuclear_repulsion(tmp_path):
    point = diatomic_point("H2", 0.74, "sto-3g", cache_dir=tmp_path)
    assert point.nuclear_repulsion == pytest.approx(14.399645 / 0.74, rel=1e-5)  # e²/(4πε₀R) in eV
    assert point.electronic_energy == pytest.approx(point.energies[0] - point.nuclear_repulsion)
    assert point.electronic_energy < point.energies[0] < 0


def test_points_of_different_bases_are_not_joined(tmp_path):
    points = [diatomic_point("H2", 0.7, basis, cache_dir=tmp_path) for basis in ("sto-3g", "6-31g")]
    with pytest.raises(ValueError, match="cannot be joined"):
        curve_from_points(points)
    with pytest.raises(ValueError, match="no points"):
        curve_from_points([])


def test_the_molecule_is_clamped_at_the_requested_distance():
    molecule = diatomic_molecule("H2", 1.234)
    assert molecule.get_distance(0, 1) == pytest.approx(1.234)


@pytest.mark.parametrize(("orbitals", "electrons", "count"),
                         [(2, 2, 3), (4, 2, 10), (10, 2, 55), (4, 4, 20), (3, 1, 0)])
def test_singlet_state_count_follows_weyls_formula(orbitals, electrons, count):
    assert singlet_state_count(orbitals, electrons) == count


def test_sto3g_h2_has_exactly_three_singlet_states(tmp_path):
    assert max_singlet_roots("H2", "sto-3g") == 3
    assert max_singlet_roots("H2", "6-31g") == 10
    calculator = PySCFCalculator("fci", "sto-3g", nroots=3, cache_dir=tmp_path)
    calculator.get_potential_energy(diatomic_molecule("H2", 0.74))
    assert len(calculator.results["state_energies"]) == 3
    with pytest.raises(ValueError, match="only 3 states"):
        PySCFCalculator("fci", "sto-3g", nroots=4, cache_dir=tmp_path).get_potential_energy(
            diatomic_molecule("H2", 0.74))


def test_the_hydrogen_atom_energy_is_exact_within_the_basis(tmp_path):
    assert hydrogen_atom_energy("sto-3g", cache_dir=tmp_path) / HARTREE == pytest.approx(-0.466582, abs=1e-6)
    # A larger basis comes closer to the exact -0.5 Eh, never below it.
    assert -0.5 < hydrogen_atom_energy("cc-pvdz", cache_dir=tmp_path) / HARTREE < -0.499


def test_the_6_31g_closest_approach_of_e2_and_e3_is_an_avoided_crossing(tmp_path):
    """The lesson calls it an avoided crossing: the two states must have the same symmetry (both Σg⁺,
    Ag in D2h), checked here with symmetry-adapted FCI on either side of the closest approach."""
    distances = np.linspace(0.3, 4.0, 40)
    points = [diatomic_point("H2", r, "6-31g", nroots=4, cache_dir=tmp_path) for r in distances[:12]]
    curve = curve_from_points(points)
    closest = closest_approaches(curve.distances, curve.energies, min_state=1)[0]
    assert closest.lower_state == 2 and 0.65 < closest.distance < 0.9 and closest.gap < 1.0
    for distance in (closest.distance - 0.1, closest.distance + 0.1):
        mol = gto.M(atom=f"H 0 0 0; H 0 0 {distance}", basis="6-31g", symmetry="D2h", verbose=0)
        mean_field = scf.RHF(mol).run(conv_tol=1e-10)
        states = []
        for irrep in ("Ag", "B1u"):  # 6-31G has only s functions: σg and σu orbitals, Σg⁺ and Σu⁺ states
            solver = fci.addons.fix_spin_(fci.FCI(mean_field), ss=0, shift=0.5)
            solver.wfnsym = irrep
            energies, _ = solver.kernel(nroots=3)
            states += [(energy * HARTREE, irrep) for energy in np.atleast_1d(energies)]
        states.sort()
        ours = diatomic_point("H2", distance, "6-31g", nroots=4, cache_dir=tmp_path).energies
        assert np.allclose([energy for energy, _ in states[:4]], ours, atol=1e-6)
        assert states[2][1] == states[3][1] == "Ag"


def test_a_curve_point_is_a_plain_value():
    point = CurvePoint("H2", "fci", "sto-3g", 0.7, np.array([-1.0]), -0.9, 0.5, False, 0.1)
    assert point.electronic_energy == pytest.approx(-1.5)
