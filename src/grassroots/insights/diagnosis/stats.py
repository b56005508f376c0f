"""The integration index's statistics, Django-free on numpy: Spearman's rank correlation and its bootstrap interval.

Whether organizations that complete their duties linked to business objectives move those objectives more is read
as a rank correlation between the two shares over the organizations of a subtree: +1, the more an organization
completes, the further its objectives moved; 0, no relation (the "two skins"); below 0, the reverse. Its
uncertainty is a percentile bootstrap interval (organizations resampled with replacement, a fixed seed so the page
shows the same figures on every reading)."""

from dataclasses import dataclass

import numpy as np

FEWEST = 8  # fewer organizations than this: the page says the sample is too small to read a relation
RESAMPLES = 1000
SEED = 20260101


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their mean rank."""
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(1, len(values) + 1)
    _uniq, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def spearman(x, y) -> float | None:
    """Spearman's rho of two equally long sequences; None where it is undefined (fewer than 3, or one constant)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3:
        return None
    rx, ry = _ranks(x), _ranks(y)
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return None
    return float(((rx - rx.mean()) * (ry - ry.mean())).mean() / (sx * sy))


@dataclass(frozen=True)
class Correlation:
    n: int
    rho: float | None
    low: float | None  # the 95% interval's bounds
    high: float | None

    @property
    def enough(self) -> bool:
        return self.n >= FEWEST and self.rho is not None


def correlation(x, y, *, resamples: int = RESAMPLES, seed: int = SEED) -> Correlation:
    """rho with its 95% percentile bootstrap interval (None bounds when too few pairs to resample)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    rho = spearman(x, y)
    if rho is None or n < FEWEST:
        return Correlation(n, rho, None, None)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        value = spearman(x[pick], y[pick])
        if value is not None:
            draws.append(value)
    if len(draws) < resamples // 2:
        return Correlation(n, rho, None, None)
    low, high = np.percentile(draws, [2.5, 97.5])
    return Correlation(n, rho, float(low), float(high))
