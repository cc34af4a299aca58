"""Force fields on a 2-D surface: velocity Verlet conserves energy for F = −∇E, a directly learned force
field has curl and non-zero loop work, and Stokes' theorem ties the two together."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnpes_core.analysis.conservation import circle_work, curl_2d, force_on_grid, stokes_work, work_by_radius
from nnpes_core.data.surface_points import surface_dataset
from nnpes_core.derivatives import force_field
from nnpes_core.dynamics.surface_md import no_grad_force, particle_swarm, velocity_for_energy, velocity_verlet_2d
from nnpes_core.models import Committee
from nnpes_core.potentials import MullerBrown
from nnpes_core.surface_training import surface_committee, train_force_pair


def loop_work(force_fn, center, radius) -> float:
    return circle_work(force_fn, center, radius)["work"]

MINIMUM_A = (-0.558, 1.442)


@pytest.fixture(scope="module")
def muller_brown():
    return MullerBrown()


@pytest.fixture(scope="module")
def pair(muller_brown):
    return train_force_pair(muller_brown, n_points=150, steps=250, seed=0, n_test=100)


def test_velocity_verlet_conserves_energy_for_muller_brown_gradient_forces(muller_brown):
    start, velocity = particle_swarm(MINIMUM_A, 4, kinetic_energy=50.0, seed=1)
    run = velocity_verlet_2d(force_field(muller_brown), muller_brown, start, velocity, timestep=1e-3, steps=1500)
    assert run.positions.shape == (1501, 4, 2) and run.total_energy.shape == (1501, 4)
    assert run.kinetic_energy[0] == pytest.approx(np.full(4, 50.0))
    assert run.max_abs_energy_change < 0.05  # of a total energy around -100, over 1.5 time units
    assert np.all(np.abs(run.drift) < 0.01)


def test_the_energy_wobble_of_velocity_verlet_shrinks_as_the_time_step_squared(muller_brown):
    velocity = velocity_for_energy(30.0, 40.0)
    wobble = []
    for timestep in (2e-3, 1e-3):
        run = velocity_verlet_2d(force_field(muller_brown), muller_brown, MINIMUM_A, velocity, timestep=timestep,
                                 steps=int(round(0.5 / timestep)))
        wobble.append(run.max_abs_energy_change)
    assert 3.0 < wobble[0] / wobble[1] < 5.0


def test_verlet_rejects_bad_settings(muller_brown):
    with pytest.raises(ValueError):
        velocity_verlet_2d(force_field(muller_brown), muller_brown, MINIMUM_A, timestep=-1.0)


def test_direct_force_net_fits_forces_but_has_curl_and_loop_work(pair):
    with torch.no_grad():
        train_rmse = (pair.direct_force(pair.xy) - pair.forces).pow(2).sum(-1).mean().sqrt()
    assert train_rmse < 0.5 * pair.forces.pow(2).sum(-1).mean().sqrt()
    X, Y = np.meshgrid(np.linspace(-1.2, 0.9, 15), np.linspace(-0.3, 1.8, 15))
    assert np.max(np.abs(curl_2d(pair.direct_force, X, Y))) > 1.0
    work = loop_work(pair.direct_force, MINIMUM_A, 0.2)
    assert abs(work) > 0.1
    assert abs(work) < circle_work(pair.direct_force, MINIMUM_A, 0.2)["path_work"]


def test_energy_net_forces_are_curl_free_and_do_no_work_around_a_loop(pair):
    X, Y = np.meshgrid(np.linspace(-1.2, 0.9, 15), np.linspace(-0.3, 1.8, 15))
    assert np.max(np.abs(curl_2d(pair.energy_force, X, Y))) < 1e-8
    assert abs(loop_work(pair.energy_force, MINIMUM_A, 0.2)) < 1e-9
    assert pair.test_force_rmse["energy"] > 0 and pair.test_force_rmse["direct"] > 0


def test_stokes_the_loop_work_equals_minus_the_curl_over_the_disc(pair, muller_brown):
    for center, radius in ((MINIMUM_A, 0.2), ((0.0, 0.5), 0.3)):
        work = loop_work(pair.direct_force, center, radius)
        assert stokes_work(pair.direct_force, center, radius) == pytest.approx(work, rel=1e-6, abs=1e-9)
    assert abs(stokes_work(force_field(muller_brown, create_graph=True), MINIMUM_A, 0.2)) < 1e-9


def test_a_swirl_does_the_textbook_loop_work():
    swirl = lambda xy: 2.0 * torch.stack([-xy[..., 1], xy[..., 0]], dim=-1)  # noqa: E731  curl = 4
    assert loop_work(swirl, (0.0, 0.0), 0.5) == pytest.approx(-np.pi, rel=1e-12)
    assert stokes_work(swirl, (0.0, 0.0), 0.5) == pytest.approx(-np.pi, rel=1e-10)
    works = work_by_radius(swirl, (0.3, -0.2), [0.1, 0.2])
    assert works[1] / works[0] == pytest.approx(4.0)


def test_the_direct_network_drifts_in_nve_while_the_energy_network_does_not(pair, muller_brown):
    start, velocity = particle_swarm(MINIMUM_A, 8, kinetic_energy=100.0, seed=0)
    own = velocity_verlet_2d(force_field(pair.energy_fit.model), pair.energy_fit.model, start, velocity,
                             timestep=1e-3, steps=1500, record_every=5)
    direct = velocity_verlet_2d(no_grad_force(pair.direct_force), muller_brown, start, velocity,
                                timestep=1e-3, steps=1500, record_every=5)
    assert own.rms_energy_change[-1] < 0.2
    assert direct.rms_energy_change[-1] > 10 * own.rms_energy_change[-1]


def test_force_on_grid_has_the_shape_of_the_grid(pair):
    U, V = force_on_grid(pair.direct_force, *np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 1, 3)))
    assert U.shape == V.shape == (3, 4)


def test_a_surface_committee_spreads_more_away_from_its_data(muller_brown):
    data = surface_dataset(muller_brown, 80, seed=0, energy_max=-50.0)
    xy = data.positions
    committee = surface_committee(data, n_members=3, width=16, steps=200, seed=0)
    assert isinstance(committee, Committee) and len(committee.members) == 3
    with torch.no_grad():
        near = committee.spread(xy).mean()
        far = committee.spread(torch.tensor([[1.0, 1.8], [-1.4, -0.4], [1.1, 1.9]], dtype=torch.float64)).mean()
        assert committee(xy).shape == (80,)
    assert far > 3 * near
