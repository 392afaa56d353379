"""R² of every subset of the ratings, their LMG (Shapley) shares, and bootstrap resamples."""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np

__all__ = ["ALIAS_TOLERANCE", "bootstrap_subset_r2", "lmg_importance", "shapley_weights",
           "subset_r2"]

#: A rating whose part not explained by the ratings already in the model holds less than
#: this share of its variance is treated as a copy of them (aliased, as R's ``lm`` does
#: with its QR tolerance): it adds nothing to R². On the residual standard deviation this
#: is 1e-6 of the rating's own, far below any difference two survey questions show.
ALIAS_TOLERANCE = 1e-12

# Bootstrap resamples are drawn in chunks so that one chunk holds about this many cells.
_CHUNK_CELLS = 3_000_000


def subset_r2(cov: np.ndarray, *, tolerance: float = ALIAS_TOLERANCE) -> np.ndarray:
    """R² of the regression of the last variable on every subset of the others.

    Parameters
    ----------
    cov : ndarray, shape (B, p + 1, p + 1)
        A stack of covariance matrices of ``p`` ratings followed by the score.
    tolerance : float, default :data:`ALIAS_TOLERANCE`
        A rating is left out of a subset (aliased) when its variance not explained by
        the ratings swept before it is below ``tolerance`` times its variance.

    Returns
    -------
    ndarray, shape (B, 2**p)
        ``out[b, m]`` is the R² on the ratings whose bits are set in ``m`` (bit ``j`` for
        rating ``j``); ``out[:, 0]`` is 0. Always in [0, 1] and never smaller for a
        subset than for any of its own subsets, so no LMG share can be negative.

    Notes
    -----
    The sweep operator (Goodnight 1979), i.e. a Cholesky factorisation grown one rating
    at a time. Sweeping rating :math:`j` out of the partial covariance matrix
    :math:`\\Sigma` of the variables given a subset :math:`S` gives the partial
    covariance given :math:`S \\cup \\{j\\}`:

    .. math::

        \\Sigma_{ab \\mid S \\cup j} = \\Sigma_{ab \\mid S}
            - \\Sigma_{aj \\mid S}\\,\\Sigma_{jb \\mid S} / \\Sigma_{jj \\mid S},
        \\qquad R^2(S) = 1 - \\Sigma_{yy \\mid S} / \\Sigma_{yy}.

    The score's residual variance :math:`\\Sigma_{yy \\mid S}` only ever loses a square
    over a positive pivot, so R² grows with the subset and stays below 1; a pivot below
    ``tolerance`` times the rating's variance (an exact or numerical copy of ratings
    already swept) is skipped instead of divided by. Subsets are built by their highest
    rating: sweeping rating ``j`` into all :math:`2^j` subsets of the ratings before it
    is one batched array operation, and only the ratings after ``j`` and the score are
    carried along, so memory stays small for 12 ratings.

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])
    >>> subset_r2(cov[None]).round(2).tolist()  # {}, {a}, {b}, {a, b}
    [[0.0, 0.36, 0.09, 0.45]]
    """
    cov = np.asarray(cov, dtype="float64")
    if cov.ndim != 3 or cov.shape[1] != cov.shape[2]:
        raise ValueError(f"cov must have shape (B, p + 1, p + 1), got {cov.shape}")
    n_stack, size, _ = cov.shape
    p = size - 1
    scale = np.diagonal(cov, axis1=1, axis2=2).copy()  # (B, p + 1): each variable's variance
    # state[m] is the partial covariance, given subset m, of the ratings not yet decided
    # and the score: after deciding rating j the state covers ratings j+1.. and the score.
    state = cov[None]  # (subsets so far, B, q, q)
    for j in range(p):
        pivot = state[:, :, 0, 0]  # (m, B)
        column = state[:, :, 1:, 0]  # (m, B, q - 1)
        rest = state[:, :, 1:, 1:]
        usable = pivot > tolerance * scale[None, :, j]
        safe = np.where(usable, pivot, 1.0)
        update = column[..., :, None] * column[..., None, :] / safe[..., None, None]
        swept = rest - np.where(usable[..., None, None], update, 0.0)
        state = np.concatenate([rest, swept], axis=0)  # masks without j, then with j
    residual = state[:, :, 0, 0].T  # (B, 2**p)
    var_y = scale[:, p][:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(var_y > 0, 1.0 - residual / var_y, 0.0)
    return np.clip(np.nan_to_num(r2, nan=0.0), 0.0, 1.0)


@lru_cache(maxsize=None)
def shapley_weights(p: int) -> np.ndarray:
    """Matrix ``W`` (2**p x p) with ``importance = subset_r2 @ W`` (the LMG formula).

    Examples
    --------
    >>> shapley_weights(2).tolist()  # I_a = ½R²(a) + ½(R²(ab) - R²(b))
    [[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]]
    """
    masks = np.arange(2 ** p)
    sizes = np.array([bin(m).count("1") for m in masks])
    coef = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) if s < p else 0.0
                     for s in range(p + 1)])
    weights = np.zeros((2 ** p, p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        w = coef[sizes[without]]
        weights[without | (1 << j), j] += w
        weights[without, j] -= w
    weights.setflags(write=False)
    return weights


def lmg_importance(r2_subsets: np.ndarray) -> np.ndarray:
    """LMG importance of each rating from the R² of all subsets (last axis: 2**p subsets).

    The LMG formula (see :func:`nps_report.drivers.key_drivers`) with each increment
    :math:`R^2(S \\cup j) - R^2(S)` taken as at least 0, so no share is ever negative;
    it equals ``r2_subsets @ shapley_weights(p)`` whenever R² grows with the subset.

    Examples
    --------
    >>> import numpy as np
    >>> lmg_importance(np.array([0.0, 0.36, 0.09, 0.45])).round(2).tolist()
    [0.36, 0.09]
    """
    r2_subsets = np.asarray(r2_subsets, dtype="float64")
    p = int(np.log2(r2_subsets.shape[-1]))
    masks = np.arange(2 ** p)
    sizes = np.array([bin(m).count("1") for m in masks])
    coef = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    out = np.empty(r2_subsets.shape[:-1] + (p,))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        # Two subsets reached by different sweep orders can differ by rounding (1e-10 for
        # near-collinear ratings): an increment is never below 0, as in exact arithmetic.
        gain = np.maximum(r2_subsets[..., without | (1 << j)] - r2_subsets[..., without], 0.0)
        out[..., j] = gain @ coef[sizes[without]]
    return out


def bootstrap_subset_r2(z: np.ndarray, n_boot: int, seed) -> np.ndarray:
    """Subset R² (:func:`subset_r2`) of ``n_boot`` resamples of the rows of ``z``.

    Parameters
    ----------
    z : ndarray, shape (n, p + 1)
        Ratings then score, one row per complete response (standardised is best).
    n_boot : int
        Resamples of whole rows, with replacement.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`: same seed, same resamples.

    Returns
    -------
    ndarray, shape (n_boot, 2**p)

    Notes
    -----
    Each resample is summarised by how many times it drew each row, so its covariance
    matrix comes from two matrix products instead of a copy of the resampled rows.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.default_rng(0).normal(size=(50, 3))
    >>> bootstrap_subset_r2(z, 20, seed=1).shape
    (20, 4)
    """
    rng = np.random.default_rng(seed)
    n, cols = z.shape
    upper = np.triu_indices(cols)
    products = (z[:, :, None] * z[:, None, :])[:, upper[0], upper[1]]  # (n, pairs)
    chunk = max(1, _CHUNK_CELLS // n)
    results = []
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        rows = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        draws = np.bincount(rows.ravel(), minlength=b * n).reshape(b, n).astype("float64")
        means = draws @ z / n  # (b, cols)
        cross = draws @ products  # (b, pairs)
        cov = np.empty((b, cols, cols))
        cov[:, upper[0], upper[1]] = cross
        cov[:, upper[1], upper[0]] = cross
        cov = (cov - n * means[:, :, None] * means[:, None, :]) / (n - 1)
        results.append(subset_r2(cov))
    return np.concatenate(results) if results else np.empty((0, 2 ** (cols - 1)))
