"""A particle on a 2-D surface as an ASE calculator, and ASE's NEB on Müller-Brown: the climbing image
lands on the tabulated saddles, whose Hessian has exactly one negative eigenvalue."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from ase import Atoms

from nnpes_core.potentials import MullerBrown, ParticleCalculator, ParticleInputError, gradient, particle_atoms
from nnpes_core.reactions import MULLER_BROWN_SETTINGS, NEBInputError, find_minimum_energy_path
from nnpes_core.reactions.surfaces import known_point, surface_path


def test_particle_energy_and_force_are_the_surface_and_minus_its_gradient():
    surface = MullerBrown()
    atoms = particle_atoms((0.3, 0.7))
    atoms.positions[0, 2] = 5.0  # z is ignored
    atoms.calc = ParticleCalculator(surface)
    xy = torch.tensor([0.3, 0.7], dtype=torch.float64)
    assert atoms.get_potential_energy() == pytest.approx(float(surface(xy)), abs=1e-12)
    forces = atoms.get_forces()
    np.testing.assert_allclose(forces[0, :2], -gradient(surface, xy).numpy(), atol=1e-12)
    assert forces[0, 2] == 0.0


def test_particle_calculator_refuses_a_molecule_in_one_line():
    atoms = Atoms("H2", positions=[[0, 0, 0], [0.7, 0, 0]])
    atoms.calc = ParticleCalculator("muller-brown")
    with pytest.raises(ParticleInputError, match="one particle"):
        atoms.get_potential_energy()


@pytest.mark.parametrize("start, end, saddle_name", [("minimum B", "minimum C", "saddle B-C"),
                                                     ("minimum A", "minimum C", "saddle A-C")])
def test_climbing_image_finds_the_muller_brown_saddles(start, end, saddle_name):
    surface = MullerBrown()
    found = surface_path(surface, known_point(surface, start).xy, known_point(surface, end).xy)
    literature = known_point(surface, saddle_name)  # Müller & Brown (1979), 3 decimals
    assert found.path.converged and found.path.climb
    assert found.saddle.atoms.positions[0, :2] == pytest.approx(literature.xy, abs=2e-3)
    assert found.saddle.energy == pytest.approx(literature.energy, abs=0.02)
    assert found.saddle.n_negative == 1 and found.saddle.is_first_order_saddle
    assert found.saddle.barrier == pytest.approx(literature.energy - known_point(surface, start).energy, abs=0.02)
    assert found.xy[0] == pytest.approx(known_point(surface, start).xy)  # the endpoints stay where they were put


def test_without_climbing_the_highest_image_only_brackets_the_saddle():
    surface = MullerBrown()
    settings = MULLER_BROWN_SETTINGS.__class__(n_images=5, climb=False, spring=100.0, fmax=0.5)
    start, end = known_point(surface, "minimum B").xy, known_point(surface, "minimum C").xy
    plain = surface_path(surface, start, end, settings)
    # the band's images sit on the path but none need sit on the saddle: its top is at or below it
    assert plain.saddle.energy <= known_point(surface, "saddle B-C").energy + 1e-3


def test_bad_bands_are_refused_in_one_line():
    calculator = ParticleCalculator("muller-brown")
    a, b = particle_atoms((0.6, 0.0)), particle_atoms((-0.05, 0.47))
    with pytest.raises(NEBInputError, match="at least 3 images"):
        find_minimum_energy_path(a, b, calculator, MULLER_BROWN_SETTINGS.__class__(n_images=2))
    with pytest.raises(NEBInputError, match="same"):
        find_minimum_energy_path(a, a.copy(), calculator)
