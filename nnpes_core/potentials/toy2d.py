"""Two-dimensional model surfaces as differentiable torch functions.

Every surface maps points ``xy`` of shape [..., 2] to energies of shape [...], in any floating dtype,
so that gradients and Hessians come from autograd (see ``stationary.py``). Each class says what its
coordinates and energy mean, a good plotting window and its known stationary points.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class KnownPoint:
    """A stationary point as tabulated in the literature (or computed once and recorded here)."""

    name: str
    xy: tuple[float, float]
    kind: str  # "minimum" or "saddle"
    energy: float


class Surface2D:
    """Base class: ``surface(xy)`` is ``surface.energy(xy)``."""

    name: str = "surface"
    x_label: str = "x"
    y_label: str = "y"
    energy_unit: str = "arbitrary units"
    x_range: tuple[float, float] = (-1.0, 1.0)
    y_range: tuple[float, float] = (-1.0, 1.0)
    plot_energy_max: float | None = None  # energies above this are clipped in contour plots
    known_points: tuple[KnownPoint, ...] = ()

    def energy(self, xy: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, xy) -> torch.Tensor:
        return self.energy(torch.as_tensor(xy))


class MullerBrown(Surface2D):
    """Müller-Brown surface (Müller & Brown, Theor. Chim. Acta 53, 75 (1979)), standard parameters.

    E(x, y) = sum_k A_k exp(a_k (x - x0_k)^2 + b_k (x - x0_k)(y - y0_k) + c_k (y - y0_k)^2).
    x, y and E are in the surface's own arbitrary units (not Å, not eV): three minima joined by two
    saddles, with a curved minimum-energy path — the classic test for path and saddle searches.
    """

    name = "Müller-Brown"
    x_range = (-1.5, 1.2)
    y_range = (-0.5, 2.0)
    plot_energy_max = 100.0
    A = (-200.0, -100.0, -170.0, 15.0)
    a = (-1.0, -1.0, -6.5, 0.7)
    b = (0.0, 0.0, 11.0, 0.6)
    c = (-10.0, -10.0, -6.5, 0.7)
    x0 = (1.0, 0.0, -0.5, -1.0)
    y0 = (0.0, 0.5, 1.5, 1.0)
    known_points = (
        KnownPoint("minimum A", (-0.558, 1.442), "minimum", -146.70),
        KnownPoint("minimum B", (0.623, 0.028), "minimum", -108.17),
        KnownPoint("minimum C", (-0.050, 0.467), "minimum", -80.77),
        KnownPoint("saddle B-C", (0.212, 0.293), "saddle", -72.25),
        KnownPoint("saddle A-C", (-0.822, 0.624), "saddle", -40.66),
    )

    def energy(self, xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        total = torch.zeros_like(x)
        for A, a, b, c, x0, y0 in zip(self.A, self.a, self.b, self.c, self.x0, self.y0):
            dx, dy = x - x0, y - y0
            total = total + A * torch.exp(a * dx**2 + b * dx * dy + c * dy**2)
        return total


class LEPS(Surface2D):
    """London-Eyring-Polanyi-Sato surface for collinear H_A + H_B-H_C -> H_A-H_B + H_C.

    Coordinates r_AB and r_BC in Å (r_AC = r_AB + r_BC on a line), energy in eV with zero at three
    separated atoms. Each pair contributes a Coulomb integral Q and an exchange integral J, chosen so
    that an isolated pair follows the H2 singlet Morse curve
        E1(r) = D_e [exp(-2 a (r - r_e)) - 2 exp(-a (r - r_e))]
    and Sato's anti-Morse triplet E3(r) = D_e/2 [exp(-2 a (r - r_e)) + 2 exp(-a (r - r_e))]:
        Q = [(1 + k) E1 + (1 - k) E3] / 2,   J = [(1 + k) E1 - (1 - k) E3] / 2,
        E = [Q_AB + Q_BC + Q_AC - sqrt(((J_AB - J_BC)^2 + (J_BC - J_AC)^2 + (J_AC - J_AB)^2) / 2)] / (1 + k).
    Parameters: H2 D_e = 4.7466 eV, a = 1.9420 1/Å, r_e = 0.7416 Å (spectroscopic H2 Morse
    constants, Herzberg) and Sato's parameter k = 0.18 (S. Sato, J. Chem. Phys. 23, 2465 (1955)).
    The symmetric saddle lies on the diagonal r_AB = r_BC; its height above H + H2(r_e) is the
    classical barrier. k is an empirical knob, not physics: the H2 curves fix everything else, and k
    is chosen to make the barrier come out right. A larger k lowers it: 1.034 eV at k = 0 (0.986 Å),
    0.229 eV at Sato's k = 0.18 (0.915 Å), 0.425 eV at k = 0.134 (0.931 Å), which matches the accurate
    ab initio barrier (0.425 eV at 0.930 Å, Liu-Siegbahn-Truhlar-Horowitz). Above k ≈ 0.236 the
    symmetric point lies below H + H2, and from about k = 0.25 it is a shallow well between two saddles
    (the artefact known as "Lake Eyring").
    """

    name = "LEPS H + H2 (collinear)"
    x_label = "r_AB (Å)"
    y_label = "r_BC (Å)"
    energy_unit = "eV"
    x_range = (0.4, 3.0)
    y_range = (0.4, 3.0)
    plot_energy_max = -2.0
    known_points = (KnownPoint("symmetric saddle", (0.9153, 0.9153), "saddle", -4.5172),)

    def __init__(self, well_depth: float = 4.7466, morse_a: float = 1.9420, bond_length: float = 0.7416,
                 sato: float = 0.18):
        """``well_depth`` D_e (eV), ``morse_a`` (1/Å), ``bond_length`` r_e (Å), ``sato`` k (unitless,
        -1 < k < 1; the tabulated saddle in ``known_points`` holds for the default parameters only)."""
        if not -1.0 < sato < 1.0:
            raise ValueError(f"the Sato parameter k must lie between -1 and 1 (got {sato})")
        self.well_depth, self.morse_a, self.bond_length, self.sato = well_depth, morse_a, bond_length, sato
        if (well_depth, morse_a, bond_length, sato) != (4.7466, 1.9420, 0.7416, 0.18):
            self.known_points = ()  # the tabulated saddle holds for the default parameters only

    def singlet(self, r: torch.Tensor) -> torch.Tensor:
        """Bonding H2 curve E1(r) in eV (Morse)."""
        decay = torch.exp(-self.morse_a * (r - self.bond_length))
        return self.well_depth * (decay**2 - 2 * decay)

    def triplet(self, r: torch.Tensor) -> torch.Tensor:
        """Repulsive H2 curve E3(r) in eV (Sato's anti-Morse)."""
        decay = torch.exp(-self.morse_a * (r - self.bond_length))
        return 0.5 * self.well_depth * (decay**2 + 2 * decay)

    def coulomb_exchange(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Q(r) and J(r) of one pair, in eV."""
        k = self.sato
        singlet, triplet = (1 + k) * self.singlet(r), (1 - k) * self.triplet(r)
        return 0.5 * (singlet + triplet), 0.5 * (singlet - triplet)

    def energy_from_distances(self, r_ab: torch.Tensor, r_bc: torch.Tensor, r_ac: torch.Tensor) -> torch.Tensor:
        """E(r_AB, r_BC, r_AC) in eV for three H atoms in any geometry (distances in Å). The 1e-30 eV² under
        the root only keeps its gradient finite at the conical intersection, where all three exchange
        integrals are equal (the equilateral triangle)."""
        q_ab, j_ab = self.coulomb_exchange(r_ab)
        q_bc, j_bc = self.coulomb_exchange(r_bc)
        q_ac, j_ac = self.coulomb_exchange(r_ac)
        exchange = 0.5 * ((j_ab - j_bc) ** 2 + (j_bc - j_ac) ** 2 + (j_ac - j_ab) ** 2)
        return (q_ab + q_bc + q_ac - torch.sqrt(exchange + 1e-30)) / (1 + self.sato)

    def energy(self, xy: torch.Tensor) -> torch.Tensor:
        """The collinear surface: r_AC = r_AB + r_BC."""
        return self.energy_from_distances(xy[..., 0], xy[..., 1], xy[..., 0] + xy[..., 1])

    def reactant_energy(self) -> float:
        """H + H2 at r_e, far apart: -D_e (eV), the zero for the classical barrier."""
        return -self.well_depth


class DoubleWell(Surface2D):
    """Symmetric double well E = h (x^2 - 1)^2 + (k/2) y^2 in arbitrary units.

    Minima at (±1, 0) with E = 0, one saddle at (0, 0) with E = h (``barrier``); ``stiffness`` k sets
    the curvature across the path. The simplest picture of a reaction: two states and one barrier.
    """

    name = "symmetric double well"
    x_range = (-1.8, 1.8)
    y_range = (-1.5, 1.5)

    def __init__(self, barrier: float = 1.0, stiffness: float = 2.0):
        self.barrier, self.stiffness = barrier, stiffness
        self.plot_energy_max = 3.0 * barrier
        self.known_points = (
            KnownPoint("left minimum", (-1.0, 0.0), "minimum", 0.0),
            KnownPoint("right minimum", (1.0, 0.0), "minimum", 0.0),
            KnownPoint("saddle", (0.0, 0.0), "saddle", barrier),
        )

    def energy(self, xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        return self.barrier * (x**2 - 1) ** 2 + 0.5 * self.stiffness * y**2


SURFACES = {"muller-brown": MullerBrown, "leps": LEPS, "double-well": DoubleWell}


def toy_surface(name: str, **parameters) -> Surface2D:
    """A surface by name: "muller-brown", "leps" or "double-well"."""
    key = name.strip().lower().replace("_", "-").replace("ü", "u")
    if key not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose from {', '.join(SURFACES)}")
    return SURFACES[key](**parameters)
