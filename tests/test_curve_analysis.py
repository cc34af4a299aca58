"""Reading potential energy curves: bond constants, the variational ordering, closest approaches of states."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ase.units import invcm

from nnpes_core.potentials import load_curves
from nnpes_core.potentials.curve_analysis import (
    H2_EXPERIMENT, bond_constants, closest_approaches, reduced_mass, variational_gap,
)
from nnpes_core.units import HARTREE, WAVENUMBER_PER_SQRT_EV_A2_AMU

SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "data" / "h2_fci_curves.json"


def morse(distances, well_depth=4.7466, a=1.9420, r_e=0.7416):
    decay = np.exp(-a * (np.asarray(distances) - r_e))
    return well_depth * (decay**2 - 2 * decay)


def test_bond_constants_of_a_morse_curve_are_its_parameters():
    distances = np.linspace(0.4, 4.0, 60)
    constants = bond_constants(distances, morse(distances), dissociation_limit=0.0)
    assert constants.bond_length == pytest.approx(0.7416, abs=1e-3)
    assert constants.well_depth == pytest.approx(4.7466, abs=1e-3)
    # Morse: k_e = 2 D_e a²; omega_e = sqrt(k_e / mu); ZPE = hc omega_e / 2; D_0 = D_e - ZPE.
    force_constant = 2 * 4.7466 * 1.9420**2
    assert constants.force_constant == pytest.approx(force_constant, rel=0.02)
    wavenumber = WAVENUMBER_PER_SQRT_EV_A2_AMU * np.sqrt(force_constant / reduced_mass(("H", "H")))
    assert constants.wavenumber == pytest.approx(wavenumber, rel=0.01)
    assert constants.zero_point_energy == pytest.approx(0.5 * constants.wavenumber * invcm)
    assert constants.dissociation_energy == pytest.approx(constants.well_depth - constants.zero_point_energy)


def test_the_h2_spectroscopic_morse_curve_gives_the_measured_wavenumber():
    """The Morse parameters of H2 reproduce its harmonic wavenumber, 4401 cm⁻¹, and a ZPE near 0.27 eV."""
    distances = np.linspace(0.4, 3.0, 200)
    constants = bond_constants(distances, morse(distances), dissociation_limit=0.0)
    assert constants.wavenumber == pytest.approx(H2_EXPERIMENT.wavenumber, rel=0.01)
    assert constants.zero_point_energy == pytest.approx(H2_EXPERIMENT.well_depth - H2_EXPERIMENT.dissociation_energy,
                                                        abs=0.005)


def test_experimental_constants_are_consistent():
    assert H2_EXPERIMENT.well_depth - H2_EXPERIMENT.dissociation_energy == pytest.approx(0.270, abs=1e-3)
    assert H2_EXPERIMENT.exact_minimum_energy / HARTREE == pytest.approx(-1.1744757)
    assert reduced_mass(("H", "H")) == pytest.approx(1.00784 / 2, rel=1e-3)


def test_a_curve_without_a_well_is_refused():
    distances = np.linspace(0.5, 3.0, 20)
    with pytest.raises(ValueError, match="not curved upwards"):
        bond_constants(distances, -distances, dissociation_limit=0.0)


def test_fci_cc_pvdz_constants_match_the_literature():
    """FCI/cc-pVDZ for H2: r_e = 0.761 Å (as in test_quantum_reference) and a harmonic wavenumber near
    4380 cm⁻¹ (for two electrons CCSD(T) is FCI; tabulated CCSD(T)/cc-pVDZ values lie there)."""
    curve = load_curves(SHIPPED)["cc-pvdz"]
    constants = bond_constants(curve.distances, curve.energies[:, 0], 2 * curve.metadata["hydrogen_atom_energy_eV"])
    assert constants.bond_length == pytest.approx(0.761, abs=0.002)
    assert constants.wavenumber == pytest.approx(4384, abs=15)


def test_variational_gap_measures_how_far_one_curve_lies_above_another():
    distances = np.array([0.5, 1.0, 2.0, 3.0])
    lower = -1.0 / distances
    gap = variational_gap(distances, lower + np.array([0.1, 0.2, 0.5, 0.9]), lower)
    assert gap.holds and gap.smallest == pytest.approx(0.1) and gap.smallest_at == 0.5
    assert gap.largest == pytest.approx(0.9) and gap.largest_at == 3.0
    crossing = variational_gap(distances, lower + np.array([-0.2, 0.1, 0.1, 0.1]), lower)
    assert not crossing.holds and crossing.smallest == pytest.approx(-0.2)
    with pytest.raises(ValueError):
        variational_gap(distances, lower[:3], lower[:3])


def test_hartree_fock_lies_above_fci_in_every_shipped_basis():
    for curve in load_curves(SHIPPED).values():
        assert variational_gap(curve.distances, curve.hf_energies, curve.energies[:, 0]).holds


def two_state_energies(distances, coupling):
    """Adiabatic energies of two diabatic lines crossing at R = 1.5 with a constant coupling:
    the gap is 2 |coupling| at the crossing and grows away from it."""
    first, second = 2.0 * (distances - 1.5), -1.0 * (distances - 1.5)
    mean, half = (first + second) / 2, np.sqrt(((first - second) / 2) ** 2 + coupling**2)
    return np.stack([mean - half, mean + half], axis=1)  # [n_R, 2]


def test_an_avoided_crossing_is_found_where_the_gap_is_smallest():
    distances = np.linspace(0.5, 3.0, 51)  # 1.5 is a grid point
    approaches = closest_approaches(distances, two_state_energies(distances, 0.1))
    assert len(approaches) == 1
    assert approaches[0].lower_state == 0
    assert approaches[0].distance == pytest.approx(1.5)
    assert approaches[0].gap == pytest.approx(0.2)


def test_states_merely_converging_at_the_end_of_the_range_are_not_reported():
    distances = np.linspace(0.5, 3.0, 30)
    energies = np.stack([-np.ones_like(distances), -1 + np.exp(-distances)], axis=1)  # gap shrinks to the end
    assert closest_approaches(distances, energies) == []


def test_closest_approaches_can_skip_the_ground_state():
    distances = np.linspace(0.5, 3.0, 51)
    pair = two_state_energies(distances, 0.05)
    energies = np.column_stack([pair[:, 0] - 10.0, pair])  # a ground state far below the crossing pair
    assert [a.lower_state for a in closest_approaches(distances, energies, min_state=1)] == [1]


def test_refinement_finds_a_sharp_avoided_crossing_between_grid_points():
    from nnpes_core.potentials.curve_analysis import refine_closest_approach

    coupling, crossing = 0.005, 1.537  # a narrow gap, off the grid
    def states(distance):
        first, second = 2.0 * (distance - crossing), -1.0 * (distance - crossing)
        half = np.sqrt(((first - second) / 2) ** 2 + coupling**2)
        return np.array([(first + second) / 2 - half, (first + second) / 2 + half])

    distances = np.linspace(0.5, 3.0, 26)  # spacing 0.1: the grid misses the crossing
    grid_energies = np.stack([states(r) for r in distances])
    (approach,) = closest_approaches(distances, grid_energies)
    refined = refine_closest_approach(states, approach, distances)
    assert approach.gap > 0.1
    assert refined.distance == pytest.approx(crossing, abs=1e-5)
    assert refined.gap == pytest.approx(2 * coupling, abs=1e-4)
    assert refined.grid_gap == approach.gap and refined.evaluations > 5
