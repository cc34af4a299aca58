"""Why one NN-PES is not enough, and a network that learns a 2 x 2 diabatic Hamiltonian instead.

Surface hopping needs, at every x, BOTH adiabatic energies and the coupling d12 between them. A
network trained on the ground adiabat E_lower(x) alone gives one surface and no coupling: its
trajectories can only stay on that surface (``born_oppenheimer_scattering``), so every probability of
ending on the upper surface is zero.

Learning the two adiabats and d12 as three separate networks is hard: at an avoided crossing the
adiabats bend sharply and d12 is a narrow peak. The diabatic matrix elements are smooth instead.
``DiabaticNetwork`` maps x to (V11, V22, V12); its eigenvalues are the adiabats and d12 follows from
the matrix and its x-derivatives (``adiabatic.adiabatic_states``, autograd for V'(x)):

    L(θ) = < (E_lower,θ - E_lower)² + (E_upper,θ - E_upper)² > / (2 s_E²)          eigenvalues
         + < (E'_lower,θ - E'_lower)² + (E'_upper,θ - E'_upper)² > / (2 s_F²)      their slopes (forces)
         + γ · min_± < (d12,θ ∓ d12)² > / s_d²                                      coupling

(s_E, s_F, s_d: spreads of the reference data; ± because the overall sign of V12, and with it of d12,
is a convention; E' = dE/dx comes from the same closed-form diagonalisation, so it costs nothing.)

Why the coupling term: a rotation of the diabatic basis by any smooth angle α(x) leaves the
eigenvalues unchanged but shifts the coupling by dα/dx, so energies alone (γ = 0) do not fix the
diabatic matrix; with γ = 0 the network reproduces both adiabats and usually gets d12 wrong. The
reference couplings are what a multi-state electronic-structure calculation (CASSCF, MRCI) provides
next to the energies.

Fitting: a small, separate function (``fit_diabatic_network``) with full-batch L-BFGS. The course's one
training loop (``training.train``) minimises the energy + force loss of a model with ONE energy output
(molecules and 2-D surfaces; the ground-state network below uses it); a loss on the eigenvalues of a
predicted matrix and on its coupling is not one of its losses. L-BFGS also suits the accuracy needed:
hopping at a gap of 10⁻² Eₕ needs the energies to ~10⁻⁵ Eₕ, which full-batch Adam did not reach in 600
steps (~10⁻³ Eₕ) and L-BFGS reaches in a few hundred iterations on these ~700 weights. Atomic units: x
in bohr, energies in Eₕ, d12 in 1/bohr.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from nnpes_core.data.surface_points import SurfacePoints
from nnpes_core.derivatives import forces, point_jacobians
from nnpes_core.models import build_model
from nnpes_core.models.layers import mlp
from nnpes_core.models.surface import SurfaceMLP
from nnpes_core.nonadiabatic.adiabatic import AdiabaticStates, adiabatic_states
from nnpes_core.nonadiabatic.outcomes import ScatteringProbabilities
from nnpes_core.nonadiabatic.tully import TULLY_MASS, DiabaticHamiltonian, TwoStateModel


@dataclass
class AdiabaticData:
    """Reference data at points x [n] (bohr): both adiabatic energies [n] (Eₕ) and d12 [n] (1/bohr)."""

    x: np.ndarray
    energy_lower: np.ndarray
    energy_upper: np.ndarray
    gradient_lower: np.ndarray  # dE/dx, Eₕ/bohr
    gradient_upper: np.ndarray
    coupling: np.ndarray


def adiabatic_data(model: TwoStateModel, n_points: int = 201) -> AdiabaticData:
    """The reference model's adiabats and coupling at ``n_points`` evenly spaced points across its box."""
    x = np.linspace(*model.box, n_points)
    states = model.adiabatic(x)
    return AdiabaticData(x, states.energy_lower, states.energy_upper, states.gradient_lower,
                         states.gradient_upper, states.coupling)


class DiabaticNetwork(nn.Module):
    """x [n] (bohr) -> (V11, V22, V12) [n, 3] (Eₕ): an MLP on scaled x, outputs in units of the data's
    energy spread (the diagonal shifted by the mean energy)."""

    def __init__(self, width: int = 24, depth: int = 2):
        super().__init__()
        self.width, self.depth = int(width), int(depth)
        self.network = mlp([1] + [width] * depth + [3], nn.SiLU)
        self.register_buffer("x_center", torch.zeros(()))
        self.register_buffer("x_scale", torch.ones(()))
        self.register_buffer("energy_shift", torch.zeros(()))
        self.register_buffer("energy_scale", torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raw = self.network(((x - self.x_center) / self.x_scale)[:, None])  # [n, 3]
        shift = torch.stack([self.energy_shift, self.energy_shift, torch.zeros_like(self.energy_shift)])
        return shift + self.energy_scale * raw

    def hamiltonian(self, x: torch.Tensor, create_graph: bool = False) -> DiabaticHamiltonian:
        """V11, V22, V12 [n] and their x-derivatives by autograd (the course's one Jacobian routine)."""
        elements = self(x)  # [n, 3]
        slopes = point_jacobians(lambda q: self(q[:, 0]), x[:, None], create_graph)[..., 0]  # [n, 3]
        return DiabaticHamiltonian(*elements.unbind(-1), *slopes.unbind(-1))

    def adiabatic(self, x: torch.Tensor, create_graph: bool = False) -> AdiabaticStates:
        return adiabatic_states(self.hamiltonian(x, create_graph))


class NetworkTwoStateModel(TwoStateModel):
    """A trained ``DiabaticNetwork`` as a two-state model (numpy in, numpy out), so that FSSH and the
    exact scattering solution run on it exactly as on Tully's models."""

    def __init__(self, network: DiabaticNetwork, reference: TwoStateModel):
        self.network = network.eval()
        self.name = f"network fit of the {reference.name}"
        self.number, self.mass, self.box = reference.number, reference.mass, reference.box
        self.momentum_range = reference.momentum_range
        self._dtype = next(network.parameters()).dtype

    def diabatic(self, x: np.ndarray) -> DiabaticHamiltonian:
        h = self.network.hamiltonian(torch.as_tensor(np.atleast_1d(x), dtype=self._dtype))
        return DiabaticHamiltonian(*(t.detach().numpy().astype(float) for t in (h.v11, h.v22, h.v12, h.dv11,
                                                                                 h.dv22, h.dv12)))


def align_diabatic_basis(learned: DiabaticHamiltonian, reference: DiabaticHamiltonian, n_angles: int = 721
                         ) -> tuple[DiabaticHamiltonian, float, bool]:
    """The learned diabatic matrices [n] in the constant basis closest to the reference's.

    A diabatic basis is fixed by the physics only up to a constant rotation R(α) (and the sign of the
    second state): neither changes the eigenvalues nor d12 (the sign flips d12's sign). For a plot
    against the reference we rotate, V → R V Rᵀ, by the α (and sign) that minimises the squared
    difference of all elements over the grid. Returns (aligned matrices, α in rad, sign flipped).
    """
    best = None
    for flipped in (False, True):
        v12, dv12 = (-learned.v12, -learned.dv12) if flipped else (learned.v12, learned.dv12)
        for angle in np.linspace(-np.pi / 2, np.pi / 2, n_angles):
            c, s = np.cos(angle), np.sin(angle)
            v11 = c * c * learned.v11 - 2 * c * s * v12 + s * s * learned.v22
            v22 = s * s * learned.v11 + 2 * c * s * v12 + c * c * learned.v22
            off = c * s * (learned.v11 - learned.v22) + (c * c - s * s) * v12
            error = np.sum((v11 - reference.v11) ** 2 + (v22 - reference.v22) ** 2 + 2 * (off - reference.v12) ** 2)
            if best is None or error < best[0]:
                dv11 = c * c * learned.dv11 - 2 * c * s * dv12 + s * s * learned.dv22
                dv22 = s * s * learned.dv11 + 2 * c * s * dv12 + c * c * learned.dv22
                doff = c * s * (learned.dv11 - learned.dv22) + (c * c - s * s) * dv12
                best = (error, DiabaticHamiltonian(v11, v22, off, dv11, dv22, doff), float(angle), flipped)
    return best[1], best[2], best[3]


@dataclass
class DiabatisationFit:
    network: DiabaticNetwork
    losses: list[float] = field(default_factory=list)
    energy_rmse: float = math.nan  # Eₕ, both adiabats, on the training points
    coupling_rmse: float = math.nan  # 1/bohr, up to the overall sign
    coupling_weight: float = 1.0
    seconds: float = 0.0


def _coupling_error(predicted: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """min over the overall sign of <(d_pred ∓ d_ref)²>."""
    return torch.minimum((predicted - reference).pow(2).mean(), (predicted + reference).pow(2).mean())


def fit_diabatic_network(data: AdiabaticData, coupling_weight: float = 1.0, width: int = 24, depth: int = 2,
                         iterations: int = 300, seed: int = 0,
                         callback: Callable[[int, float], bool | None] | None = None) -> DiabatisationFit:
    """Train a ``DiabaticNetwork`` (float64, full-batch L-BFGS) so that its eigenvalues and their slopes
    match both adiabats and, with weight γ = ``coupling_weight``, its coupling matches d12 (γ = 0:
    energies and forces only). ``callback(evaluation, loss)`` may return False to stop. Seeded weights
    (torch's global random state is left alone)."""
    start = time.perf_counter()
    as_tensor = lambda values: torch.as_tensor(values, dtype=torch.float64)  # noqa: E731
    x, lower, upper, coupling = (as_tensor(v) for v in (data.x, data.energy_lower, data.energy_upper, data.coupling))
    slope_lower, slope_upper = as_tensor(data.gradient_lower), as_tensor(data.gradient_upper)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = DiabaticNetwork(width, depth).to(torch.float64)
    energies = torch.cat([lower, upper])
    network.x_center.fill_(float(x.mean()))
    network.x_scale.fill_(float(x.std()))
    network.energy_shift.fill_(float(energies.mean()))
    network.energy_scale.fill_(float(energies.std()))
    energy_spread = energies.std()
    slope_spread = torch.cat([slope_lower, slope_upper]).pow(2).mean().sqrt().clamp(min=1e-12)
    coupling_spread = coupling.pow(2).mean().sqrt().clamp(min=1e-12)

    def loss() -> torch.Tensor:
        states = network.adiabatic(x, create_graph=True)
        value = ((states.energy_lower - lower).pow(2) + (states.energy_upper - upper).pow(2)).mean() \
            / (2 * energy_spread**2)
        value = value + ((states.gradient_lower - slope_lower).pow(2)
                         + (states.gradient_upper - slope_upper).pow(2)).mean() / (2 * slope_spread**2)
        if coupling_weight > 0:
            value = value + coupling_weight * _coupling_error(states.coupling, coupling) / coupling_spread**2
        return value

    losses: list[float] = []
    optimizer = torch.optim.LBFGS(network.parameters(), lr=1.0, max_iter=iterations, history_size=50,
                                  line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15)

    class Stop(Exception):
        pass

    def closure() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        value = loss()
        value.backward()
        losses.append(float(value.detach()))
        if callback is not None and callback(len(losses), losses[-1]) is False:
            raise Stop
        return value

    try:
        optimizer.step(closure)
    except Stop:
        pass
    network.eval()
    states = network.adiabatic(x)
    errors = torch.cat([states.energy_lower - lower, states.energy_upper - upper]).detach()
    return DiabatisationFit(network, losses, float(errors.pow(2).mean().sqrt()),
                            float(_coupling_error(states.coupling.detach(), coupling).sqrt()), coupling_weight,
                            time.perf_counter() - start)


# --- the counter-example: one network, one surface ------------------------------------------------

def fit_ground_state_network(data: AdiabaticData, width: int = 24, depth: int = 2, epochs: int = 400,
                             learning_rate: float = 2e-2, seed: int = 0) -> SurfaceMLP:
    """An ordinary NN-PES of the lower adiabat only: a one-input surface MLP trained by the course's
    training loop on E_lower(x) and its force -dE_lower/dx (points as one-"atom" structures), full
    batch (400 epochs: ~3·10⁻⁵ Eₕ RMSE on model 1)."""
    from nnpes_core.training import default_config, train

    points = SurfacePoints(torch.as_tensor(data.x, dtype=torch.float64)[:, None],  # [n, 1]
                           torch.as_tensor(data.energy_lower, dtype=torch.float64),
                           -torch.as_tensor(data.gradient_lower, dtype=torch.float64)[:, None],
                           energy_unit="Eₕ", length_unit="bohr")
    model = build_model("surface", width=width, depth=depth, n_inputs=1, seed=seed)
    config = default_config("surface", epochs=epochs, batch_size=len(points), learning_rate=learning_rate, seed=seed)
    return train(model, points, None, config).model


def born_oppenheimer_scattering(network: SurfaceMLP, momenta: Sequence[float],
                                box: tuple[float, float] = (-10.0, 10.0), mass: float = TULLY_MASS,
                                step_length: float = 0.05) -> list[ScatteringProbabilities]:
    """Classical scattering on the single surface of ``network`` (velocity Verlet, one particle per
    momentum, all at once): each particle is transmitted or reflected, always on the lower surface.
    There is no second surface to hop to and no coupling to hop with."""
    momenta = np.asarray(momenta, dtype=float)
    if np.any(momenta <= 0):
        raise ValueError("momenta must be positive")
    x_left, x_right = box
    velocity = momenta / mass
    dt = step_length / velocity.min()
    x = np.full(len(momenta), float(x_left))

    def acceleration(positions: np.ndarray) -> np.ndarray:
        points = torch.as_tensor(positions[:, None], dtype=torch.float64)  # [n, 1]
        return forces(network, points).detach().numpy()[:, 0] / mass

    a = acceleration(x)
    done = np.zeros(len(momenta), dtype=bool)
    for _ in range(int(40 * (x_right - x_left) / (velocity.min() * dt)) + 1):
        x_new = np.where(done, x, x + velocity * dt + 0.5 * a * dt**2)
        a_new = acceleration(x_new)
        velocity = np.where(done, velocity, velocity + 0.5 * (a + a_new) * dt)
        x, a = x_new, a_new
        done |= (x < x_left) | (x > x_right)
        if done.all():
            break
    transmitted = velocity > 0
    return [ScatteringProbabilities(float(k), float(t), 0.0, float(not t), 0.0, method="ground-state network")
            for k, t in zip(momenta, transmitted)]
