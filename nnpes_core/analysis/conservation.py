"""Is a force field conservative? Curl and the work around closed loops.

A force field is the negative gradient of some energy, F = -grad E, exactly when no work is gained
going around any closed loop,  W = -∮ F · dR = 0.  In 2-D the local version is a zero curl,
dF_y/dx - dF_x/dy = 0, and by Stokes' theorem W = -∬ curl F dA over the enclosed area.
For F = -grad E of any model both vanish to round-off; a network that predicts forces directly
(``direct``) has no such guarantee, and a molecule moved around a loop with it gains or loses energy —
which is why its NVE dynamics drift.

Loops are parametrised by an angle theta on [0, 2 pi) at n equally spaced points. For a smooth periodic
integrand the trapezoid rule on such points converges exponentially fast (spectral accuracy), so with
~64 points the quadrature error is far below the effect being measured.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import energies_and_forces

ForceField2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> F [..., 2]
ForceField = Callable[[np.ndarray], np.ndarray]  # positions [n_points, N, 3] Å -> forces, eV/Å


def force_field_from_energy(energy_fn: Callable[[torch.Tensor], torch.Tensor]) -> ForceField2D:
    """F = -grad E of a 2-D surface (e.g. ``MullerBrown()``), differentiable again (for the curl)."""

    def force(xy: torch.Tensor) -> torch.Tensor:
        xy = torch.as_tensor(xy, dtype=torch.float64)
        if not xy.requires_grad:
            xy = xy.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(energy_fn(xy).sum(), xy, create_graph=True)
        return -gradient

    return force


def _as_numpy(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=float)


def curl_2d(force_fn: ForceField2D, X, Y, step: float = 1e-5) -> np.ndarray:
    """dF_y/dx - dF_x/dy on a grid (X, Y of the same shape), same shape as X.

    By autograd when ``force_fn`` returns a tensor that depends differentiably on its input (each
    point's force must depend on that point only), else by central differences with ``step``.
    """
    xy = torch.stack([torch.as_tensor(np.asarray(X), dtype=torch.float64),
                      torch.as_tensor(np.asarray(Y), dtype=torch.float64)], dim=-1)
    try:
        tracked = xy.clone().requires_grad_(True)
        force = force_fn(tracked)
    except (RuntimeError, TypeError):  # e.g. a numpy function cannot take a tensor that needs grad
        force = None
    if isinstance(force, torch.Tensor) and force.requires_grad:
        (d_fx,) = torch.autograd.grad(force[..., 0].sum(), tracked, retain_graph=True)
        (d_fy,) = torch.autograd.grad(force[..., 1].sum(), tracked)
        return _as_numpy(d_fy[..., 0] - d_fx[..., 1])

    def component(shift: list[float], index: int) -> np.ndarray:
        return _as_numpy(force_fn(xy + torch.tensor(shift, dtype=torch.float64)))[..., index]

    d_fy_dx = (component([step, 0.0], 1) - component([-step, 0.0], 1)) / (2 * step)
    d_fx_dy = (component([0.0, step], 0) - component([0.0, -step], 0)) / (2 * step)
    return d_fy_dx - d_fx_dy


def loop_work(force_fn: ForceField2D, center: Sequence[float], radius: float, n_points: int = 128) -> float:
    """W = -∮ F · dl counter-clockwise around a circle (trapezoid rule, spectrally accurate).

    ``force_fn`` is any callable taking xy [n_points, 2] (float64 tensor) to forces [n_points, 2]; W is
    in the surface's energy units. Zero for F = -grad E; -curl * pi r^2 for a small loop otherwise.
    """
    theta = 2 * np.pi * np.arange(n_points) / n_points
    circle = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    points = np.asarray(center, dtype=float) + radius * circle  # [n_points, 2]
    tangents = radius * np.stack([-np.sin(theta), np.cos(theta)], axis=1)  # dl/dtheta
    force = _as_numpy(force_fn(torch.as_tensor(points, dtype=torch.float64)))
    return float(-(force * tangents).sum() * (2 * np.pi / n_points))


def circular_loop(atoms: Atoms, radius: float = 0.1, n_points: int = 64,
                  moved_atoms: Sequence[int] | None = (0,), seed: int = 0) -> np.ndarray:
    """A closed loop in configuration space, positions [n_points, N, 3] Å.

    R(theta) = R_0 + radius (cos theta u + sin theta v) with u, v random orthonormal displacement
    directions (seeded) of the ``moved_atoms`` only (None: all atoms move).
    """
    rng = np.random.default_rng(seed)
    mask = np.zeros((len(atoms), 3))
    mask[list(range(len(atoms))) if moved_atoms is None else list(moved_atoms)] = 1.0
    u = rng.standard_normal(mask.shape) * mask
    u /= np.linalg.norm(u)
    v = rng.standard_normal(mask.shape) * mask
    v -= (v * u).sum() * u
    v /= np.linalg.norm(v)
    theta = 2 * np.pi * np.arange(n_points) / n_points
    return atoms.positions + radius * (np.cos(theta)[:, None, None] * u + np.sin(theta)[:, None, None] * v)


def loop_tangents(path: np.ndarray) -> np.ndarray:
    """dR/dtheta along a closed loop sampled at n equally spaced theta in [0, 2 pi), by FFT
    (spectral differentiation: exact for a loop made of a few harmonics, like a circle)."""
    n_points = len(path)
    wavenumbers = np.fft.fftfreq(n_points, d=1.0 / n_points)  # 0, 1, ..., -1
    if n_points % 2 == 0:
        wavenumbers[n_points // 2] = 0.0  # the Nyquist term has no odd derivative
    spectrum = np.fft.fft(path, axis=0)
    return np.real(np.fft.ifft(1j * wavenumbers.reshape(-1, *[1] * (path.ndim - 1)) * spectrum, axis=0))


def closed_loop_work(model_or_force_fn: nn.Module | ForceField, atoms: Atoms, path: np.ndarray | None = None,
                     dtype: torch.dtype = torch.float64) -> dict[str, float]:
    """Work W = -∮ F · dR (eV) done by the forces as the molecule goes once around a closed loop.

    ``path`` is the loop as positions [n_points, N, 3] Å at equally spaced parameter values (default:
    ``circular_loop(atoms)``, atom 0 on a 0.1 Å circle). Forces come from a model (all loop points in one
    batch) or from any callable positions [n_points, N, 3] -> forces [n_points, N, 3] eV/Å.
    Returns ``work_ev`` and ``path_work_ev`` = ∮ |F · dR|, the work done along the way, to judge W against.
    """
    path = circular_loop(atoms) if path is None else np.asarray(path, dtype=float)
    if isinstance(model_or_force_fn, nn.Module):
        frames = []
        for positions in path:
            frame = atoms.copy()
            frame.positions = positions
            frames.append(frame)
        forces = np.stack(energies_and_forces(model_or_force_fn, frames, dtype)[1])
    else:
        forces = _as_numpy(model_or_force_fn(path))
    power = (forces * loop_tangents(path)).sum(axis=(1, 2))  # F . dR/dtheta, [n_points]
    weight = 2 * np.pi / len(path)
    return {"work_ev": float(-power.sum() * weight), "path_work_ev": float(np.abs(power).sum() * weight),
            "n_points": len(path)}
