"""Is a force field conservative? Curl and the work around closed loops.

A force field is the negative gradient of some energy, F = -grad E, exactly when no work is gained
going around any closed loop: the work done against the field, W = -∮ F · dR, is zero. In 2-D the
local version is a zero curl, dF_y/dx - dF_x/dy = 0, and by Stokes' theorem W = -∬ curl F dA over the
enclosed area. For F = -grad E of any model both vanish to round-off; a network that predicts forces
directly (``direct``) has no such guarantee, and a molecule moved around a loop with it gains or loses
energy, which is why its NVE dynamics drift.

Loops are parametrised by an angle theta on [0, 2 pi) at n equally spaced points, and ``loop_work`` is
the one routine that integrates around them (2-D circles and loops of whole molecules alike). For a
smooth periodic integrand the trapezoid rule on such points converges exponentially fast (spectral
accuracy), so with ~64 points the quadrature error is far below the effect being measured.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import energies_and_forces
from nnpes_core.derivatives import finite_difference, point_jacobians

ForceField2D = Callable[[torch.Tensor], torch.Tensor]  # xy [..., 2] -> F [..., 2]
ForceField = Callable[[np.ndarray], np.ndarray]  # positions [n_points, N, 3] Å -> forces, eV/Å


def _as_numpy(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=float)


def _forces_at(force_fn: ForceField2D, points) -> np.ndarray:
    return _as_numpy(force_fn(torch.as_tensor(np.asarray(points), dtype=torch.float64)))


# --- the work around a closed loop ------------------------------------------------------------------

def loop_work(forces: np.ndarray, tangents: np.ndarray) -> dict[str, float]:
    """W = -∮ F · dR/dtheta dtheta (the work done against the field), by the trapezoid rule on n equally
    spaced theta; and the path work ∮ |F · dR|, the work done along the way, to judge W against.

    ``forces`` and ``tangents`` (dR/dtheta) have the same shape [n_points, ...]; energy units of F·R.
    """
    power = (np.asarray(forces) * np.asarray(tangents)).reshape(len(forces), -1).sum(axis=1)  # F · dR/dtheta
    weight = 2 * np.pi / len(forces)
    return {"work": float(-power.sum() * weight), "path_work": float(np.abs(power).sum() * weight)}


def circle(center: Sequence[float], radius: float, n_points: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Points [n, 2] on a circle and dR/dtheta [n, 2] there (counter-clockwise, theta in [0, 2 pi))."""
    theta = 2 * np.pi * np.arange(n_points) / n_points
    points = np.asarray(center, dtype=float) + radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    tangents = radius * np.stack([-np.sin(theta), np.cos(theta)], axis=1)
    return points, tangents


def circle_work(force_fn: ForceField2D, center: Sequence[float], radius: float, n_points: int = 128
                ) -> dict[str, float]:
    """``loop_work`` of a 2-D force field around a circle: zero for F = -grad E, about -curl · pi r² for
    a small circle otherwise."""
    points, tangents = circle(center, radius, n_points)
    return loop_work(_forces_at(force_fn, points), tangents)


def work_by_radius(force_fn: ForceField2D, center: Sequence[float], radii: Sequence[float],
                   n_points: int = 128) -> np.ndarray:
    """W = -∮ F · dl around circles of each radius, [n_radii] (the forces of all circles in one call)."""
    circles = [circle(center, float(radius), n_points) for radius in radii]
    forces = _forces_at(force_fn, np.stack([points for points, _ in circles]))  # [n_radii, n_points, 2]
    return np.array([loop_work(on_circle, tangents)["work"] for on_circle, (_, tangents) in zip(forces, circles)])


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
    """``loop_work`` (eV) as the molecule goes once around a closed loop in configuration space.

    ``path`` is the loop as positions [n_points, N, 3] Å at equally spaced parameter values (default:
    ``circular_loop(atoms)``, atom 0 on a 0.1 Å circle). Forces come from a model (all loop points in one
    batch) or from any callable positions [n_points, N, 3] -> forces [n_points, N, 3] eV/Å.
    Returns ``work_ev`` (done against the forces) and ``path_work_ev`` = ∮ |F · dR|.
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
    work = loop_work(forces, loop_tangents(path))
    return {"work_ev": work["work"], "path_work_ev": work["path_work"], "n_points": len(path)}


# --- the curl ---------------------------------------------------------------------------------------

def curl_2d(force_fn: ForceField2D, X, Y, step: float = 1e-5) -> np.ndarray:
    """dF_y/dx - dF_x/dy on a grid (X, Y of the same shape), same shape as X.

    By autograd when ``force_fn`` returns a tensor that depends differentiably on its input (each
    point's force must depend on that point only), else by central differences with ``step``.
    """
    xy = torch.stack([torch.as_tensor(np.asarray(X), dtype=torch.float64),
                      torch.as_tensor(np.asarray(Y), dtype=torch.float64)], dim=-1)
    try:
        differentiable = force_fn(xy.clone().requires_grad_(True)).requires_grad
    except (RuntimeError, TypeError, AttributeError):  # e.g. a numpy function cannot take a tracked tensor
        differentiable = False
    if differentiable:
        jacobian = point_jacobians(force_fn, xy)  # [..., 2, 2]: dF_i/dq_j
        return _as_numpy(jacobian[..., 1, 0] - jacobian[..., 0, 1])
    # shifting every point by the same (dx, dy) differentiates each point's own force
    jacobian = finite_difference(lambda shift: _forces_at(force_fn, xy.numpy() + shift), np.zeros(2), step)
    return jacobian[0][..., 1] - jacobian[1][..., 0]  # dF_y/dx - dF_x/dy


def stokes_work(force_fn: ForceField2D, center: Sequence[float], radius: float, n_radial: int = 24,
                n_angular: int = 64) -> float:
    """-∬ curl F dA over the disc (Gauss-Legendre in r, trapezoid in theta): equals the loop work."""
    nodes, weights = np.polynomial.legendre.leggauss(n_radial)
    r = 0.5 * radius * (nodes + 1.0)  # [n_radial] on (0, radius)
    r_weights = 0.5 * radius * weights
    theta = 2 * np.pi * np.arange(n_angular) / n_angular
    R, T = np.meshgrid(r, theta, indexing="ij")  # [n_radial, n_angular]
    X, Y = center[0] + R * np.cos(T), center[1] + R * np.sin(T)
    curl = curl_2d(force_fn, X, Y)
    return float(-(curl * R * r_weights[:, None]).sum() * 2 * np.pi / n_angular)


def force_on_grid(force_fn: ForceField2D, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Force components U, V with the shape of X and Y (for a quiver plot)."""
    force = _forces_at(force_fn, np.stack([X, Y], axis=-1))
    return force[..., 0], force[..., 1]
