"""Small building blocks shared by the models: MLPs, smooth cutoffs, radial bases."""
from __future__ import annotations

import math

import torch
from torch import nn


def mlp(sizes: list[int], activation: type[nn.Module] = nn.SiLU) -> nn.Sequential:
    """A plain multilayer perceptron: Linear -> activation -> ... -> Linear (no activation last)."""
    layers: list[nn.Module] = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if index < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def cosine_cutoff(distance: torch.Tensor, cutoff_radius: float) -> torch.Tensor:
    """Behler's f_c(r) = (cos(pi r / r_c) + 1) / 2 inside the cutoff, 0 outside.

    It goes smoothly to zero with zero slope at r_c, so energies and forces are continuous when an
    atom crosses the cutoff sphere.
    """
    # clamping at r_c gives cos(pi) = -1 there and beyond, i.e. exactly zero outside the sphere
    return 0.5 * torch.cos((math.pi / cutoff_radius) * distance.clamp(max=cutoff_radius)) + 0.5


def polynomial_cutoff(distance: torch.Tensor, cutoff_radius: float, p: int = 6) -> torch.Tensor:
    """The polynomial envelope of DimeNet/NequIP: value, slope and curvature all vanish at r_c.

    Smoother than the cosine (continuous second derivatives), which keeps Hessians and long NVE runs
    well behaved.
    """
    x = distance / cutoff_radius
    envelope = (
        1.0
        - (p + 1.0) * (p + 2.0) / 2.0 * x**p
        + p * (p + 2.0) * x ** (p + 1)
        - p * (p + 1.0) / 2.0 * x ** (p + 2)
    )
    return torch.where(x < 1.0, envelope, torch.zeros_like(x))


class BesselBasis(nn.Module):
    """sqrt(2/r_c) sin(n pi r / r_c) / r, n = 1..n_basis: an orthogonal radial basis on [0, r_c]."""

    def __init__(self, cutoff_radius: float, n_basis: int = 8):
        super().__init__()
        self.cutoff_radius = cutoff_radius
        self.register_buffer("frequencies", math.pi / cutoff_radius * torch.arange(1, n_basis + 1))

    def forward(self, distance: torch.Tensor) -> torch.Tensor:  # [n] -> [n, n_basis]
        r = distance.unsqueeze(-1)
        return math.sqrt(2.0 / self.cutoff_radius) * torch.sin(self.frequencies * r) / r


def scatter_sum(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """out[k] = sum of values[i] with index[i] == k (along the first axis)."""
    out = values.new_zeros((size,) + values.shape[1:])
    return out.index_add_(0, index, values)


class ElementMLP(nn.Module):
    """One MLP per element, evaluated for all atoms at once.

    The weights of the n_elements networks are stacked, every network runs on every atom as one batched
    matrix product, and each atom keeps the output of its own element's network. A handful of large
    operations instead of a Python loop over elements: fast on CPU and GPU for the few elements a
    potential knows.
    """

    def __init__(self, n_elements: int, sizes: list[int], activation: type[nn.Module] = nn.SiLU):
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(n_in)  # nn.Linear's default initialisation
            self.weights.append(nn.Parameter(torch.empty(n_elements, n_in, n_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(n_elements, 1, n_out).uniform_(-bound, bound)))
        self.activation = activation()

    def forward(self, features: torch.Tensor, species: torch.Tensor) -> torch.Tensor:
        """features [n_atoms, n_in], species [n_atoms] -> outputs [n_atoms, n_out]."""
        hidden = features.unsqueeze(0)  # [1, n_atoms, n_in], broadcast over elements
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            hidden = torch.baddbmm(bias, hidden.expand(len(weight), -1, -1), weight)
            if index < len(self.weights) - 1:
                hidden = self.activation(hidden)
        # hidden: [n_elements, n_atoms, n_out]; keep row species[i] for atom i
        return hidden[species, torch.arange(len(species), device=species.device)]
