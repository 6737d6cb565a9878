"""The hidden block as a Markov chain: its generator, and the densities of leaving it on a grid.

`calibration.hidden` fits the block's shares and rates by maximum likelihood; the likelihood is
made of `exp(Q t) r` (the density of entering each target after an unseen time `t`) on a grid of
`t`, and of its integral. A quasi-Newton search needs their gradient: a finite difference costs
one grid per parameter and is noisy where the densities are small, so the gradient here is exact,
in reverse mode. `Q` and `r` are linear in each share and each rate; the grid's recursion
`G[k + 1] = exp(Q h) G[k]` is run back from the likelihood's weights on the grid, and the
derivative of `exp(Q h)` enters once, as SciPy's Fréchet derivative (`expm_frechet`) of its
transpose: one small solve per evaluation, where one per parameter costs 20 of them (and on a
shared machine each LAPACK call pays for waking BLAS threads).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import expm, expm_frechet

# The grid of the unseen time over one poll period (a longer gap, where polls are missing, is
# taken at the period's end).
STEPS = 90


class Chain:
    """The block's latent states (status, drawn cause) and its generator for given parameters.

    The parameters `theta` are the states' logits (a softmax within each status gives the shares)
    then the logarithms of their rates; the *natural* ones are the shares then the rates."""

    def __init__(self, table: dict[str, list[tuple[str, str]]]) -> None:
        self.statuses = list(table)
        self.states = [(s, g, d) for s in table for g, d in table[s]]
        self.targets = sorted({d for _, _, d in self.states})
        self.of = np.asarray([self.statuses.index(s) for s, _, _ in self.states])
        goes = [self.statuses.index(d) if d in table else -1 for _, _, d in self.states]
        # next[i, j]: state i's cause leads to the status whose cause j is.
        self.next = np.asarray(goes)[:, None] == self.of[None, :]
        self.exit = np.eye(len(self.targets))[[self.targets.index(d) for _, _, d in self.states]]

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shares (softmax of logits within each status) and rates (exp) of the states."""
        logits, rates = theta[: len(self.states)], np.exp(theta[len(self.states) :])
        shares = np.exp(logits - logits.max())
        totals = np.bincount(self.of, weights=shares, minlength=len(self.statuses))
        return shares / totals[self.of], rates

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """d(shares, rates) / d theta: the softmax's within a status, the rates' own."""
        shares, rates = self.split(theta)
        same = self.of[:, None] == self.of[None, :]
        n = len(self.states)
        out = np.zeros((2 * n, 2 * n))
        out[:n, :n] = same * (np.diag(shares) - shares[:, None] * shares[None, :])
        out[n:, n:] = np.diag(rates)
        return out

    def generator(self, shares: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`Q` among the states and `r`, the rates of leaving each state into each target."""
        q = rates[:, None] * self.next * shares[None, :] - np.diag(rates)
        return q, rates[:, None] * self.exit

    def directions(self, shares: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`dQ` and `dr` for each natural parameter: the shares' (a column each), then the
        rates' (a row each)."""
        n = len(self.states)
        dq = np.zeros((2 * n, n, n))
        dr = np.zeros((2 * n, n, len(self.targets)))
        one = np.arange(n)
        dq[one, :, one] = rates[None, :] * self.next.T
        dq[n + one, one, :] = self.next * shares[None, :] - np.eye(n)
        dr[n + one, one, :] = self.exit
        return dq, dr

    def into(self, shares: np.ndarray, rates: np.ndarray, step: float) -> np.ndarray:
        """(grid point, state, target): `exp(Q k step) r` on the grid, and (last axis block)
        its running integral over the unseen time, for every target the block enters."""
        q, r = self.generator(shares, rates)
        return _with_integral(_powers(expm(q * step), r), step)

    def into_and_pullback(
        self, shares: np.ndarray, rates: np.ndarray, step: float
    ) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """`into`, and the map from a value's gradient in `into` to its gradient in the natural
        parameters (reverse mode: one Fréchet derivative, whatever the number of parameters)."""
        q, r = self.generator(shares, rates)
        one = expm(q * step)
        grid = _powers(one, r)

        def pullback(weights: np.ndarray) -> np.ndarray:
            # The running integral I_k = step/2 sum_{i<k} (G_i + G_{i+1}) holds G_i for every
            # k > i, and again for every k >= i when i >= 1.
            t = len(self.targets)
            later = np.cumsum(weights[::-1, :, t:], axis=0)[::-1]  # sum over k >= i
            none = np.zeros((1, *later.shape[1:]))
            own = weights[:, :, :t] + step / 2 * (np.r_[later[1:], none] + np.r_[none, later[1:]])
            # G_{k+1} = E G_k: the adjoint runs back, and dE pairs with sum_k adj_{k+1} G_k^T.
            adjoint = np.empty_like(own)
            adjoint[-1] = own[-1]
            for k in range(STEPS - 1, -1, -1):
                adjoint[k] = own[k] + one.T @ adjoint[k + 1]
            paired = np.einsum("kit,kjt->ij", adjoint[1:], grid[:-1])
            # <M, L(A, dA)> = <L(A^T, M), dA>: the derivative of expm is its own adjoint's.
            back = expm_frechet((q * step).T, paired, compute_expm=False)
            dq, dr = self.directions(shares, rates)
            return np.asarray(
                step * np.einsum("pij,ij->p", dq, back) + np.einsum("pit,it->p", dr, adjoint[0])
            )

        return _with_integral(grid, step), pullback


def _powers(one: np.ndarray, r: np.ndarray) -> np.ndarray:
    out = np.empty((STEPS + 1, *r.shape))
    out[0] = r
    for k in range(STEPS):
        out[k + 1] = one @ out[k]
    return out


def _with_integral(grid: np.ndarray, step: float) -> np.ndarray:
    """`grid` with its trapezoid running integral along the first axis, on the last axis."""
    zero = np.zeros((1, *grid.shape[1:]))
    integral = np.concatenate([zero, np.cumsum((grid[1:] + grid[:-1]) * step / 2, 0)])
    return np.concatenate([grid, integral], axis=-1)
