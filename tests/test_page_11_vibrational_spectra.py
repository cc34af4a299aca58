"""Lesson 11 page (Vibrational spectra): normal modes of the shipped models against the B3LYP reference for water
and ammonia, isotopologues from one Hessian (the product rule holds), zero-point energy against k_B T, the
practice problems; it explains itself when a model is missing."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, texts

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "11_Vibrational_Spectra.py")
SLUG = "11_vibrational_spectra"


@pytest.fixture(scope="module")
def app() -> AppTest:
    """The page with the shipped models and data, as a student first sees it."""
    return run(AppTest.from_file(PAGE, default_timeout=240))


def table_with(app: AppTest, column: str):
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def test_water_modes_of_the_model_sit_near_the_reference(app):
    modes = table_with(app, "difference (cm⁻¹)")
    assert list(modes["mode"]) == ["bend", "symmetric stretch", "antisymmetric stretch"]
    assert list(modes["reference (cm⁻¹)"].round()) == [1711, 3721, 3845]  # PySCF B3LYP/6-31G*
    assert modes["difference (cm⁻¹)"].abs().max() < 30
    assert number(metric(app, "Vibrations (3N − 6)")) == 3
    assert len(app.get("iframe")) == 1  # the animated mode


def test_isotopologues_come_from_one_hessian(app):
    table = table_with(app, "Teller-Redlich")
    d2o = table[table["isotopologue"] == "D₂O"].iloc[0]
    assert [d2o["ν1 (cm⁻¹)"], d2o["ν2 (cm⁻¹)"], d2o["ν3 (cm⁻¹)"]] == pytest.approx([1252.0, 2682.5, 2816.4], abs=0.2)
    assert (table["∏ ω′/ω"] / table["Teller-Redlich"] - 1).abs().max() < 1e-4
    assert metric(app, "D₂O / H₂O ratios") == "0.721 – 0.733"
    assert number(metric(app, "One X–H bond alone")) == pytest.approx(0.728, abs=0.001)


def test_zero_point_energy_and_thermal_energy(app):
    assert number(metric(app, "Zero-point energy of water (reference)")) == pytest.approx(0.5750, abs=2e-4)
    assert number(metric(app, "k_B T at 300 K")) == pytest.approx(0.0259, abs=1e-4)
    app.slider(key="zpe_temperature").set_value(3000)
    run(app)
    assert number(metric(app, "k_B T at 3000 K")) == pytest.approx(0.2585, abs=1e-4)
    app.slider(key="zpe_temperature").set_value(300)
    run(app)


def test_ammonia_and_methane_have_named_degenerate_modes_and_their_own_models(app):
    app.radio(key="molecule").set_value("ammonia")
    run(app)
    modes = table_with(app, "reference (cm⁻¹)")
    assert list(modes["mode"]) == ["symmetric bend", "antisymmetric bend (×2)", "antisymmetric bend (×2)",
                                   "symmetric stretch", "antisymmetric stretch (×2)", "antisymmetric stretch (×2)"]
    assert number(metric(app, "Vibrations (3N − 6)")) == 6
    assert "difference (cm⁻¹)" in modes.columns  # the shipped nh3_bp model
    assert modes["difference (cm⁻¹)"].abs().max() < 20
    app.selectbox(key="mode").set_value(0)
    run(app)
    assert "Symmetric bend of ammonia (model" in texts(app, "caption")
    table = table_with(app, "Teller-Redlich")
    assert list(table["isotopologue"]) == ["NH₃", "NH₂D", "ND₃", "¹⁵NH₃"]
    app.radio(key="molecule").set_value("methane")
    run(app)
    modes = table_with(app, "reference (cm⁻¹)")
    assert number(metric(app, "Vibrations (3N − 6)")) == 9
    assert list(modes["mode"]).count("antisymmetric stretch (×3)") == 3
    assert modes["difference (cm⁻¹)"].abs().max() < 20  # the shipped ch4_bp model
    app.radio(key="molecule").set_value("water")
    run(app)


def test_practice_zero_point_difference_right_and_wrong(app):
    table = table_with(app, "Teller-Redlich")
    zpe = dict(zip(table["isotopologue"], table["ZPE (eV)"]))
    difference_kj = (zpe["H₂O"] - zpe["D₂O"]) * 96.485
    check(app, SLUG, "zpe-difference", f"{difference_kj:.2f} kJ/mol")
    assert any("Correct" in s.value for s in app.success), [s.value for s in app.success]
    check(app, SLUG, "ot-ratio", "0.577")  # 1/sqrt(3): forgets the recoil of oxygen
    assert app.warning, "a wrong answer gets a warning"


def test_without_models_the_page_says_so_and_shows_the_reference(tmp_path, models_at):
    models_at(tmp_path)  # an empty folder: a broken installation
    app = run(AppTest.from_file(PAGE, default_timeout=240), allow_errors=True)
    assert [error.value for error in app.error] == [
        "The pretrained model file assets/models/water_bp.pt is missing from this installation."]
    modes = table_with(app, "reference (cm⁻¹)")
    assert "difference (cm⁻¹)" not in modes.columns
    assert "(reference at its minimum" in texts(app, "caption")
    assert table_with(app, "Teller-Redlich")["isotopologue"].iloc[2] == "D₂O"


def test_lecture_mode_shows_the_short_text_and_the_same_numbers():
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.session_state["lecture_mode"] = True
    run(app)
    assert "Two routes from a surface to a spectrum" in texts(app, "markdown")
    assert "Teller-Redlich product rule" not in texts(app, "markdown")  # a full-text-only paragraph
    assert list(table_with(app, "difference (cm⁻¹)")["reference (cm⁻¹)"].round()) == [1711, 3721, 3845]
    assert len(app.get("iframe")) == 1
