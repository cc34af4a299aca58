"""Symmetry labels of H2's singlet states: the non-crossing rule made checkable."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.potentials.diatomic_points import diatomic_point
from nnpes_core.potentials.state_symmetry import linear_name, state_symmetries, symmetry_adapted_singlets


def test_symmetry_adapted_fci_reproduces_the_plain_fci_singlets(tmp_path):
    ours = diatomic_point("H2", 1.0, "cc-pvdz", nroots=4, cache_dir=tmp_path).energies
    labelled = symmetry_adapted_singlets("H2", 1.0, "cc-pvdz", nroots=4)
    assert np.allclose([energy for energy, _ in labelled[:4]], ours, atol=1e-6)


def test_h2_ground_state_is_sigma_g_plus_and_the_first_excited_singlet_sigma_u_plus(tmp_path):
    energies = diatomic_point("H2", 0.74, "6-31g", nroots=3, cache_dir=tmp_path).energies
    labels = state_symmetries("H2", 0.74, "6-31g", energies)
    assert labels == ["Ag", "B1u", "Ag"]
    assert [linear_name(label) for label in labels] == ["Σg⁺", "Σu⁺", "Σg⁺"]


def test_sto3g_has_exactly_its_three_singlets_and_no_spin_impostors():
    labelled = symmetry_adapted_singlets("H2", 1.0, "sto-3g", nroots=4)
    assert [irrep for _, irrep in labelled] == ["Ag", "B1u", "Ag"]


def test_degenerate_pi_components_and_unknown_energies():
    assert linear_name("B2u/B3u") == "Πu" and linear_name("B1g") == "Σg⁻/Δg" and linear_name("?") == "?"
    assert state_symmetries("H2", 0.74, "sto-3g", [123.0]) == ["?"]
    with pytest.raises(ValueError, match="homonuclear"):
        symmetry_adapted_singlets("HF", 0.9, "sto-3g")
