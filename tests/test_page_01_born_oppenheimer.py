"""Lesson 1 page: H2 computed live with PySCF, the clamped-nuclei slider, the variational principle measured,
the 2-D surfaces with their stationary points, and the practice problems."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, texts
from nnpes_core.potentials import LEPS, gradient
from nnpes_core.potentials.diatomic_points import diatomic_point

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "01_Born_Oppenheimer.py")
SLUG = "01_born_oppenheimer"
LEPS_NAME = "LEPS H + H₂ (collinear)"


@pytest.fixture
def page() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=180))


def test_default_view_computes_h2_fci_live_and_reads_off_the_minimum(page):
    assert "Computed with PySCF" in texts(page) and "FCI/6-31G, 4 singlet states at 40 distances" in texts(page)
    # FCI/6-31G: r_e = 0.746 Å, D_e = 4.22 eV from 2 E(H) in the same basis (see assets/data/PROVENANCE.md).
    assert number(metric(page, "r_e (fitted)")) == pytest.approx(0.746, abs=0.002)
    assert number(metric(page, "D_e (fitted)")) == pytest.approx(4.224, abs=0.01)
    table = page.dataframe[0].value
    assert list(table["Experiment"][:2]) == ["0.7414", "4.748"]
    assert len(page.get("plotly_chart")) == 5  # curves, energy terms, basis comparison, contour, 3-D
    assert page.get("iframe"), "the H2 molecule viewer is missing"


def test_hartree_fock_lies_above_fci_and_the_shipped_comparison_is_labelled(page):
    assert metric(page, "E_HF ≥ E_FCI at all 40 distances?") == "yes"
    assert number(metric(page, "Smallest E_HF − E_FCI")) > 0
    assert "computed earlier by `assets/scripts/make_reference_data.py`" in texts(page)
    comparison = page.dataframe[1].value
    assert list(comparison["Basis"]) == ["STO-3G", "6-31G", "cc-pVDZ"]
    above_exact = [float(v) for v in comparison["FCI minimum above the exact one (eV)"]]
    assert all(v > 0 for v in above_exact) and above_exact == sorted(above_exact, reverse=True)
    assert "FCI/STO-3G lies above FCI/6-31G at every distance" in texts(page)


def test_the_basis_ladder_shows_r_e_moving_away_from_experiment(page):
    ladder = page.dataframe[2].value
    assert list(ladder["Basis (smallest first)"]) == ["STO-3G", "6-31G", "cc-pVDZ"]
    lengths = [float(v) for v in ladder["r_e (Å)"]]
    errors = [abs(float(v)) for v in ladder["r_e − exp. (Å)"]]
    assert lengths == sorted(lengths) and errors[2] == max(errors)  # the largest basis is furthest
    assert [round(v, 3) for v in lengths] == [0.735, 0.746, 0.761]
    assert float(ladder["D_e (eV)"][0]) == pytest.approx(5.555, abs=0.01)  # STO-3G: too deep


def test_the_slider_clamps_the_nuclei_and_pyscf_solves_that_geometry(page):
    run(page.slider(key="clamped_r").set_value(1.5))
    text = texts(page)
    assert "At R = 1.50 Å" in text
    expected = diatomic_point("H2", 1.5, "6-31g", nroots=4)
    assert f"**{expected.energies[0]:.4f}**" in text
    assert f"| E_nuc(R), the clamped nuclei | {14.399645 / 1.5:.4f} |" in text


def test_another_basis_gives_another_curve_and_fit(page):
    run(page.selectbox(key="h2_basis").set_value("STO-3G"))
    assert "FCI/STO-3G, 3 singlet states" in texts(page)
    assert number(metric(page, "r_e (fitted)")) == pytest.approx(0.735, abs=0.002)
    assert number(metric(page, "D_e (fitted)")) == pytest.approx(5.55, abs=0.02)
    assert "no interior point of closest approach" in texts(page)


def test_the_6_31g_curves_point_at_an_avoided_crossing_of_two_excited_states(page):
    text = texts(page)
    # Brent's method between grid points finds the sharp Σg⁺/Σg⁺ avoided crossing near 0.785 Å (gap ~0.01 eV).
    found = re.search(r"E₂ and E₃ come closest at R = \*\*(0\.\d+) Å\*\*: "
                      r"their gap is only \*\*([\d.e-]+) eV", text)
    assert found and float(found.group(1)) == pytest.approx(0.7848, abs=1e-3)
    assert float(found.group(2)) == pytest.approx(0.0096, abs=1e-3)
    assert "labels both states **Ag** in D2h (Σg⁺" in text and "avoided crossing" in text


@pytest.mark.slow  # about 5 s of PySCF on a machine whose disk cache does not have these curves yet
def test_the_basis_comparison_can_be_computed_now(page):
    page.select_slider(key="h2_points::full").set_value(20)
    run(page.radio(key="comparison_source").set_value("Compute all three now"))
    assert "computed with PySCF" in texts(page) and "same 20 distances" in texts(page)
    assert list(page.dataframe[1].value["HF ≥ FCI everywhere"]) == ["yes"] * 3


def test_muller_brown_shows_its_stationary_points_and_newton_needs_a_good_start(page):
    run(page.radio(key="surface_name").set_value("Müller-Brown"))
    points = page.dataframe[-1].value
    assert list(points["Point"]) == ["minimum 1", "minimum 2", "minimum 3", "saddle 1", "saddle 2"]
    assert float(points["Energy (arbitrary units)"][0]) == pytest.approx(-146.70, abs=0.01)
    run(page.button(key="newton_from_point").click())  # from the default point, on a ridge: too far
    assert any("did not converge" in i.value for i in page.info)
    page.slider(key="point_x::Müller-Brown").set_value(-0.6)
    page.slider(key="point_y::Müller-Brown").set_value(1.2)
    run(page.button(key="newton_from_point").click())
    assert any("reached a **minimum** at (-0.5582, 1.4417)" in s.value for s in page.success)


def test_moving_the_point_on_leps_shows_the_autograd_gradient(page):
    page.slider(key=f"point_x::{LEPS_NAME}").set_value(1.2)
    run(page.slider(key=f"point_y::{LEPS_NAME}").set_value(0.9))
    slope = gradient(LEPS(), torch.tensor([1.2, 0.9], dtype=torch.float64)).numpy()
    assert number(metric(page, "∂E/∂r_AB")) == pytest.approx(slope[0], abs=1e-4)
    assert number(metric(page, "∂E/∂r_BC")) == pytest.approx(slope[1], abs=1e-4)
    assert number(metric(page, "|∇E|")) == pytest.approx(np.linalg.norm(slope), abs=1e-4)
    assert list(page.dataframe[-1].value["Point"]) == ["saddle 1", "r_BC → ∞", "r_AB → ∞"]


def test_the_sato_parameter_moves_the_leps_barrier_and_the_problem_follows_it(page):
    run(page.slider(key="leps_sato").set_value(0.134))
    points = page.dataframe[-1].value
    saddle = float(points["Energy (eV)"][list(points["Point"]).index("saddle 1")])
    assert saddle + 4.7466 == pytest.approx(0.425, abs=0.002)  # the accurate barrier, 0.425 eV
    assert float(points["r_AB (Å)"][0]) == pytest.approx(0.931, abs=0.001)
    check(page, SLUG, "leps-barrier", "0.229 eV")  # Sato's k = 0.18: not this student's answer
    assert any("Not quite" in w.value for w in page.warning)
    check(page, SLUG, "leps-barrier", f"{saddle + 4.7466:.3f} eV")
    assert any("Correct" in s.value for s in page.success)


def test_practice_problems_grade_right_and_wrong_answers(page):
    r_e = number(metric(page, "r_e (fitted)"))
    check(page, SLUG, "computed-bond-length", f"{r_e:.4f} Å")
    check(page, SLUG, "leps-barrier", "0.229 eV")
    check(page, SLUG, "variational-hartree-fock", "A")
    assert sum("Correct" in s.value for s in page.success) == 2
    assert any("Not quite" in w.value for w in page.warning)
    assert "2 / 6 solved" in metric(page, "Your score this session")


def test_lecture_mode_uses_the_fast_preset(page):
    run(page.sidebar.toggle(key="lecture_mode").set_value(True))
    assert "at 20 distances" in texts(page)
    assert number(metric(page, "r_e (fitted)")) == pytest.approx(0.746, abs=0.003)
