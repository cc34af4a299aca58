"""Derivatives of an energy by automatic differentiation: forces, Hessians, Hessian-vector products.

This is the one place where the course writes F = -dE/dR. Every model (atomistic or on a 2-D surface),
every reference surface, the training loss, MD, the curl and loop checks and the vibrational analysis
call these functions:

    F   = -dE/dR                 one reverse-mode pass gives all components, whatever their number
    H   = d²E/dR²                the derivative of the gradient: one more reverse pass per row
    H v = d/dR (dE/dR · v)       a double backward pass that never forms H

``create_graph=True`` keeps the graph of the gradient so that the gradient itself can be differentiated
again: by the weights (a training loss on forces) or by the positions (Hessians, the curl). Nothing else
needs it, and it costs memory, so it is off by default.

An *energy function* maps positions to energies, ``energy_fn(positions) -> energies``; the energies are
summed before differentiating, so a batch of independent structures or points gives each its own
gradient in one pass. Atomistic models take an ``AtomicBatch``; ``energy_and_forces(model, batch)``
wraps them as ``positions -> model(batch.with_positions(positions))``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

EnergyFunction = Callable[[torch.Tensor], torch.Tensor]  # positions [..., d] -> energies
ForceField = Callable[[torch.Tensor], torch.Tensor]  # positions [..., d] -> forces [..., d]


def _tracked(positions: torch.Tensor) -> torch.Tensor:
    """``positions`` as a tensor that autograd follows (used as it is when it already requires grad,
    so that second derivatives can be taken with respect to the caller's own leaf)."""
    positions = torch.as_tensor(positions)
    if not positions.is_floating_point():
        positions = positions.to(torch.float64)
    return positions if positions.requires_grad else positions.detach().requires_grad_(True)


def gradient(energy_fn: EnergyFunction, positions: torch.Tensor, create_graph: bool = False
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """(energies, dE/dpositions): the gradient has the shape of ``positions``."""
    positions = _tracked(positions)
    energy = energy_fn(positions)
    (grad,) = torch.autograd.grad(energy.sum(), positions, create_graph=create_graph)
    return energy, grad


def forces(energy_fn: EnergyFunction, positions: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """F = -dE/dpositions, the shape of ``positions``."""
    return -gradient(energy_fn, positions, create_graph)[1]


def force_field(energy_fn: EnergyFunction, create_graph: bool = False) -> ForceField:
    """The function positions -> F = -grad E (for dynamics, quiver plots; ``create_graph=True`` for the
    curl, which differentiates the force again)."""

    def field(positions: torch.Tensor) -> torch.Tensor:
        result = forces(energy_fn, positions, create_graph)
        return result if create_graph else result.detach()

    return field


def energy_gradient_forces(model: torch.nn.Module, batch, create_graph: bool = False
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies [n_structures] and -dE/dR [n_atoms, d] of a model's energy, for every model (for the
    direct-force model these are NOT the forces it predicts)."""
    energy, grad = gradient(lambda positions: model(batch.with_positions(positions)), batch.positions,
                            create_graph)
    return energy, -grad


def energy_and_forces(model: torch.nn.Module, batch, training: bool = False
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """THE force function: energies [n_structures] and forces [n_atoms, d] of a model on a batch.

    Forces are -dE/dR by autograd (conservative by construction); ``training=True`` keeps their graph so
    that a loss on them can be differentiated by the weights. The one exception is a model that says
    ``conservative = False`` (the direct-force counter-example): its forces come from its own force head.
    """
    if not getattr(model, "conservative", True):
        return model(batch), model.direct_forces(batch)
    return energy_gradient_forces(model, batch, create_graph=training)


def model_force_field(model: torch.nn.Module, batch, conservative: bool | None = None) -> ForceField:
    """positions -> the model's forces on ``batch`` at those positions, differentiable again by the
    positions (for second derivatives). ``conservative=None`` follows the model (the force head of
    ``direct``); ``True`` always differentiates the energy."""
    if conservative is None:
        conservative = getattr(model, "conservative", True)

    def field(positions: torch.Tensor) -> torch.Tensor:
        moved = batch.with_positions(positions)
        if not conservative:
            return model.direct_forces(moved)
        return energy_gradient_forces(model, moved, create_graph=True)[1]

    return field


def forces_with_graph(model: torch.nn.Module, batch, conservative: bool | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """(positions, forces) with the forces differentiable by ``positions``, a leaf returned here."""
    positions = batch.positions.detach().requires_grad_(True)
    return positions, model_force_field(model, batch, conservative)(positions)


def hessian_vector_product(force_fn: Callable[[torch.Tensor], torch.Tensor], positions: torch.Tensor,
                           vector: torch.Tensor) -> torch.Tensor:
    """H v = -d/dR (F(R) · v), the shape of ``positions``, without forming H.

    ``force_fn`` maps positions to forces with their graph kept (``force_field(energy_fn, True)``, or
    a model's force head). Strictly this is v^T K with K = -dF/dR, which is H v for a conservative
    field (K symmetric) and K^T v otherwise.
    """
    positions = _tracked(positions)
    force = force_fn(positions)
    (product,) = torch.autograd.grad(-(force * vector.reshape(force.shape)).sum(), positions)
    return product


def point_jacobians(field: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor,
                    create_graph: bool = False) -> torch.Tensor:
    """dF_i/dq_j of a vector field at independent points [..., d] -> [..., d, d] (each point's value must
    depend on that point only): d reverse passes, each giving row i at every point at once."""
    points = _tracked(points)
    values = field(points)
    rows = [torch.autograd.grad(values[..., i].sum(), points, retain_graph=True, create_graph=create_graph)[0]
            for i in range(values.shape[-1])]
    return torch.stack(rows, dim=-2)


def point_hessians(energy_fn: EnergyFunction, points: torch.Tensor) -> torch.Tensor:
    """d²E/dq_i dq_j at independent points [..., d] -> [..., d, d] (a 2-D surface, a 1-D curve): the
    Jacobian of the gradient field."""
    gradient_field = lambda q: gradient(energy_fn, q, create_graph=True)[1]  # noqa: E731
    return point_jacobians(gradient_field, points).detach()


def model_hessian(model: torch.nn.Module, batch, rows_per_pass: int | None = None) -> torch.Tensor:
    """K_ij = -dF_i/dx_j [3N, 3N] (the Hessian d²E/dx_i dx_j of a conservative model) of the one
    structure in ``batch``.

    Row i is the gradient of one force component. Rather than 3N backward passes, the structure is copied
    3N times into one batch and copy c contributes only its own component F_c: the copies share no atoms,
    so ONE backward pass through sum_c F_c(copy c) gives every row. Memory grows with the number of copies
    in a pass: ``rows_per_pass`` limits it for large molecules. For the direct-force model K is the
    Jacobian of its force head and is not symmetric (its antisymmetric part is the curl).
    """
    if batch.n_structures != 1:
        raise ValueError("model_hessian takes a batch holding one structure")
    n_coordinates = batch.positions.numel()
    rows_per_pass = rows_per_pass or n_coordinates
    rows = []
    for first in range(0, n_coordinates, rows_per_pass):
        wanted = torch.arange(first, min(first + rows_per_pass, n_coordinates), device=batch.positions.device)
        copies = batch.select([0] * len(wanted))
        positions, force = forces_with_graph(model, copies)
        force = force.reshape(len(wanted), n_coordinates)  # row c: every force component of copy c
        chosen = force[torch.arange(len(wanted), device=force.device), wanted]  # copy c gives F_(first + c)
        (grad,) = torch.autograd.grad(chosen.sum(), positions)
        rows.append(-grad.reshape(len(wanted), n_coordinates))
    return torch.cat(rows).detach()


# --- finite differences: the check on all of the above, and the fallback where no gradient exists -----

FD_SCHEMES = ("central", "forward")  # error O(h^2) from 2 evaluations per coordinate, O(h) from 1 (+1)


def finite_difference(function: Callable, x, step: float, scheme: str = "central",
                      batched: bool = False) -> np.ndarray:
    """df/dx_k for every component k of ``x`` (an array of any shape), by finite differences:

        central:  (f(x + h e_k) - f(x - h e_k)) / 2h     2 n evaluations, truncation error ~ h^2
        forward:  (f(x + h e_k) - f(x)) / h              n + 1 evaluations, truncation error ~ h

    Returns [x.size, *f.shape]. ``batched=True``: ``function`` takes all displaced points at once,
    [n_points, *x.shape] -> [n_points, *f.shape] (one batched model call instead of 2n).
    """
    if scheme not in FD_SCHEMES:
        raise ValueError(f"unknown finite-difference scheme {scheme!r}: use one of {', '.join(FD_SCHEMES)}")
    x = np.asarray(x, dtype=float)
    eye = np.eye(x.size).reshape(x.size, *x.shape) * step  # [n, *x.shape]: h e_k
    points = np.concatenate([x + eye, x - eye]) if scheme == "central" else np.concatenate([x[None], x + eye])
    values = np.asarray(function(points), dtype=float) if batched else \
        np.stack([np.asarray(function(point), dtype=float) for point in points])
    if scheme == "central":
        return (values[:x.size] - values[x.size:]) / (2.0 * step)
    return (values[1:] - values[0]) / step
