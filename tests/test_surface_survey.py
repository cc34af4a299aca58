"""Every stationary point of a 2-D surface, found from a grid of guesses (nothing typed in)."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.potentials import LEPS, DoubleWell, MullerBrown
from nnpes_core.potentials.survey import clamp_to_window, gradient_norm_minima, survey_stationary_points


def test_muller_brown_survey_finds_its_three_minima_and_two_saddles():
    survey = survey_stationary_points(MullerBrown())
    assert [p.kind for p in survey.points] == ["minimum"] * 3 + ["saddle"] * 2
    for known in MullerBrown.known_points:
        distances = [np.linalg.norm(p.xy - np.array(known.xy)) for p in survey.points]
        match = survey.points[int(np.argmin(distances))]
        assert min(distances) < 2e-3 and match.kind == known.kind
        assert match.energy == pytest.approx(known.energy, abs=0.01)
    assert survey.valleys == []
    assert [label for label, _, _ in survey.labelled()] == [
        "minimum 1", "minimum 2", "minimum 3", "saddle 1", "saddle 2"]


def test_leps_has_one_saddle_and_two_valleys_that_leave_the_window():
    leps = LEPS()
    survey = survey_stationary_points(leps)
    (saddle,) = survey.points
    assert saddle.kind == "saddle"
    assert saddle.xy == pytest.approx(LEPS.known_points[0].xy, abs=1e-3)
    assert saddle.energy - leps.reactant_energy() == pytest.approx(0.229, abs=1e-3)  # the classical barrier
    assert len(survey.valleys) == 2
    for valley in survey.valleys:
        assert valley.energy == pytest.approx(-leps.well_depth, abs=1e-3)  # H + H2 at r_e, far apart
        assert min(valley.xy) == pytest.approx(leps.bond_length, abs=1e-3)
        assert max(valley.xy) > leps.x_range[1]
    labels = [label for label, _, inside in survey.labelled("r_AB", "r_BC") if not inside]
    assert sorted(labels) == ["r_AB → ∞", "r_BC → ∞"]


def test_double_well_survey_and_its_guesses():
    survey = survey_stationary_points(DoubleWell())
    assert sorted((p.kind, round(float(p.xy[0]), 6)) for p in survey.points) == [
        ("minimum", -1.0), ("minimum", 1.0), ("saddle", 0.0)]
    guesses = gradient_norm_minima(DoubleWell(), (-1.8, 1.8), (-1.5, 1.5), n=30)
    assert guesses.shape[1] == 2 and len(guesses) == survey.guesses


def test_points_outside_the_window_are_moved_onto_its_edge():
    assert clamp_to_window([10.8, 0.74], (0.4, 3.0), (0.4, 3.0)) == pytest.approx([3.0, 0.74])
    assert clamp_to_window([0.5, 0.5], (0.4, 3.0), (0.4, 3.0)) == pytest.approx([0.5, 0.5])
