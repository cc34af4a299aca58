"""Lesson 3 page (Architectures): runs with and without the pretrained models, shows the measured numbers
(sum rule, invariance and equivariance at round-off, cost slopes, the flat local model), and its
widgets and practice problems work."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import resources
from apptest_helpers import start_job, check, metric, number, run

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "03_Architectures.py")
SLUG = "03_architectures"


def settled(target, *, allow_errors: bool = False) -> AppTest:
    """Run the page, let the shared results it started (timings, the demo networks) finish, run it again."""
    app = run(target, allow_errors=allow_errors)
    while resources.wait_for_shared_results():  # one result may need another one first
        app = run(app, allow_errors=allow_errors)
    return app


@pytest.fixture
def app_with_models(stand_in_models_dir, models_at) -> AppTest:
    models_at(stand_in_models_dir)
    return settled(AppTest.from_file(PAGE, default_timeout=180))


def test_without_pretrained_models_the_page_says_so_and_still_computes_the_rest(tmp_path, models_at):
    models_at(tmp_path)  # an empty folder: a broken installation
    app = settled(AppTest.from_file(PAGE, default_timeout=180), allow_errors=True)
    errors = " ".join(e.value for e in app.error)
    assert "water_bp.pt" in errors and "water_equivariant.pt" in errors and "missing" in errors
    assert not any("yet" in i.value for i in app.info)
    assert not any("untrained model" in c.value for c in app.caption)  # no stand-in for the shipped model
    assert number(metric(app, "max |G(QR + t)", prefix=True)) < 1e-12
    # measured timings: on a quiet machine about 1 and 2.2; only the order is safe on a busy one
    assert number(metric(app, "Slope with a 5 Å cutoff", prefix=True)) < \
        number(metric(app, "Slope with all pairs", prefix=True))
    assert number(metric(app, "Reference at 8.0 Å", prefix=True)) == pytest.approx(-1.800, abs=1e-3)
    assert len(app.get("iframe")) == 1  # the cluster viewer; the feature viewers need the shipped model
    assert len(app.get("plotly_chart")) >= 8


def test_atomic_energies_of_each_pretrained_model_add_up_to_its_energy(app_with_models):
    app = app_with_models
    for model in ("Behler-Parrinello (water_bp)", "Equivariant MPNN (water_equivariant)"):
        app.radio(key="locality_model").set_value(model)
        run(app)
        assert number(metric(app, "|ΣE_I − E|", prefix=True)) < 1e-9
        assert metric(app, "Sum of atomic energies", prefix=True) == metric(app, "Model energy E", prefix=True)
        # by default the molecules are farther apart than the cutoff: exactly additive
        assert abs(number(metric(app, "E − Σ E(molecule alone)", prefix=True))) < 1e-9
        assert any("cannot see across the gap" in s.value for s in app.success)
    assert any("E_I − reference" in str(df.value.columns) for df in app.dataframe)


def test_molecules_pushed_within_the_cutoff_interact_and_the_page_says_it_extrapolates(app_with_models):
    app = app_with_models
    app.slider(key="spacing").set_value(2.9)
    app.slider(key="n_molecules").set_value(6)
    run(app)
    assert abs(number(metric(app, "E − Σ E(molecule alone)", prefix=True))) > 1e-6
    assert any("extrapolations" in w.value for w in app.warning)
    assert number(metric(app, "|ΣE_I − E|", prefix=True)) < 1e-9  # the sum rule holds anyway


def test_the_shipped_pretrained_models_give_exact_sums_and_equivariant_features():
    shipped = resources.ROOT / "assets" / "models"
    assert (shipped / "water_bp.pt").is_file() and (shipped / "water_equivariant.pt").is_file()
    # resources.MODELS_DIR is the real folder here
    app = settled(AppTest.from_file(PAGE, default_timeout=180))
    assert not app.info or not any("not available yet" in i.value for i in app.info)
    assert number(metric(app, "|ΣE_I − E|", prefix=True)) < 1e-9
    assert number(metric(app, "l = 1: max", prefix=True)) < 1e-12
    assert not any("untrained model" in c.value for c in app.caption)


def test_the_cutoff_slider_sets_the_neighbour_count(app_with_models):
    app = app_with_models
    app.selectbox(key="structure").set_value("single water molecule")
    app.slider(key="cutoff_radius").set_value(1.0)
    run(app)
    assert metric(app, "Neighbours inside the sphere", prefix=True) == "2"  # the oxygen's two hydrogens at 0.97 Å
    app.selectbox(key="center_atom").set_value(1)
    run(app)
    assert metric(app, "Neighbours inside the sphere", prefix=True) == "1"  # a hydrogen sees only its oxygen


def test_symmetry_function_harmonic_and_message_widgets(app_with_models):
    app = app_with_models
    app.select_slider(key="g2_eta").set_value(5.0)
    app.slider(key="g2_rs").set_value(2.5)
    app.select_slider(key="g4_zeta").set_value(16)
    app.radio(key="g4_lambda").set_value(-1)
    app.selectbox(key="fp_molecule").set_value("ethanol")
    app.slider(key="fp_angle").set_value(200)
    app.radio(key="harmonic_l").set_value(1)
    run(app)
    app.radio(key="harmonic_m_1").set_value(2)
    app.number_input(key="msg_vx").set_value(-1.5)
    app.slider(key="msg_angle").set_value(250)
    run(app)
    assert number(metric(app, "max |G(QR + t)", prefix=True)) < 1e-12
    assert any("228 symmetry functions per atom" in c.value for c in app.caption)  # ethanol: C, H, O
    message_table = next(df.value for df in app.dataframe if "path l₁ ⊗ l₂ → l₃" in df.value.columns)
    assert len(message_table) == 8 and all(float(e) < 1e-12 for e in message_table["error"])


def test_a_zero_bond_vector_is_a_clear_message(app_with_models):
    app = app_with_models
    for component in "xyz":
        app.number_input(key=f"msg_r{component}").set_value(0.0)
    run(app, allow_errors=True)
    assert any("bond vector must not be zero" in e.value for e in app.error)


def test_rotating_the_molecule_rotates_the_pretrained_features(app_with_models):
    app = app_with_models
    assert not any("untrained model" in c.value for c in app.caption)
    app.slider(key="feature_angle").set_value(205)
    app.selectbox(key="feature_axis").set_value("(1, 1, 1)")
    app.slider(key="feature_channel").set_value(3)
    app.selectbox(key="feature_structure").set_value("the structure above")
    run(app)
    assert number(metric(app, "l = 1: max", prefix=True)) < 1e-12
    assert number(metric(app, "l = 0: max", prefix=True)) < 1e-12
    assert number(metric(app, "Energy change under the rotation", prefix=True)) < 1e-9


def test_the_local_ion_model_is_flat_beyond_any_chosen_cutoff(app_with_models):
    app = app_with_models
    app.select_slider(key="ion_cutoff").set_value(3.0)
    settled(app)
    app.slider(key="ion_probe").set_value(6.0)
    run(app)
    caption = next(c.value for c in app.caption if c.value.startswith("Trained live"))
    assert "varies by 0.0e+00 eV" in caption
    assert number(metric(app, "Reference at 6.0 Å", prefix=True)) == pytest.approx(-14.3996 / 6.0, abs=2e-3)


def test_full_cost_series_button_runs_with_progress(app_with_models, monkeypatch):
    import nnpes_core.analysis.cost as cost

    measured = cost.measure_scaling

    def small(kind, cutoff_radius, sizes, all_pairs_sizes, **options):  # the button's series, shrunk
        if max(sizes) == 5000:
            return measured(kind, cutoff_radius, (10, 20, 40), (10, 20), **options)
        return measured(kind, cutoff_radius, sizes, all_pairs_sizes, **options)  # the page's quick series

    monkeypatch.setattr(cost, "measure_scaling", small)
    app = app_with_models
    settled(app.radio(key="cost_kind").set_value("bp"))
    start_job(app, "cost_full_bp")
    assert app.session_state["job::cost_full_bp"].result["cutoff"].n_atoms.tolist() == [10, 20, 40]
    assert "Slope with a 5 Å cutoff" in [m.label for m in app.metric]


def test_lecture_mode_and_the_fit_choice_run(app_with_models):
    app = app_with_models
    full_text = " ".join(m.value for m in app.markdown)
    app.sidebar.toggle(key="lecture_mode").set_value(True)
    run(app)
    lecture_text = " ".join(m.value for m in app.markdown)
    assert "Two ways to build symmetry in" in lecture_text and len(lecture_text) < len(full_text)
    app.radio(key="ua_depth").set_value(1)
    app.radio(key="ua_width").set_value(2)
    run(app)
    small = number(metric(app, "Test RMSE of this network", prefix=True))
    app.radio(key="ua_depth").set_value(3)
    app.radio(key="ua_width").set_value(32)
    run(app)
    # a larger plain MLP approximates the 2-D surface better (the plain part of universal approximation)
    assert number(metric(app, "Test RMSE of this network", prefix=True)) < 0.5 * small


def test_practice_problems_grade_right_and_wrong_answers(app_with_models):
    app = app_with_models
    model = number(metric(app, "Model at 8.0 Å", prefix=True))  # beyond the cutoff: the model's constant
    check(app, SLUG, "missed-coulomb-energy-far", f"{model - (-1.800):.3f} eV")  # the error at 8 Å: wrong
    assert any("Not quite" in w.value for w in app.warning)
    check(app, SLUG, "missed-coulomb-energy-far", f"{model - (-14.40 / 20):.3f} eV")  # by hand at 20 Å
    assert any("Correct" in s.value for s in app.success)
    check(app, SLUG, "features-under-rotation", "C")
    assert app.warning, "a wrong choice gets a warning"
    assert "1 / 5 solved" in app.metric[-1].value
