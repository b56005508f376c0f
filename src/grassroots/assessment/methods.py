"""Pure-numpy assessment methods: AHP, entropy weights, TOPSIS and fuzzy comprehensive evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "AHPResult",
    "MAX_AHP_SIZE",
    "PairAdvice",
    "RANDOM_INDEX_TABLES",
    "TopsisResult",
    "ahp",
    "ahp_from_upper",
    "consistency_index",
    "consistency_ratio",
    "entropy_weights",
    "fuzzy_evaluate",
    "fuzzy_evaluate_two_level",
    "fuzzy_score",
    "membership_from_counts",
    "pairwise_matrix_from_weights",
    "random_index",
    "rank",
    "reciprocal_matrix_from_upper",
    "topsis",
]

# ---------------------------------------------------------------------------
# Random-index tables (index k holds RI for a matrix of order n = k + 1).
# ---------------------------------------------------------------------------

RANDOM_INDEX_TABLES: dict[str, tuple[float, ...]] = {
    # Saaty, The Analytic Hierarchy Process (1980).
    "saaty1980": (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
    # Saaty, Theory and Applications of the Analytic Network Process (2005).
    "saaty2005": (0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    # Table from 1000 random matrices, common in Chinese textbooks.
    "cn1000": (0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
}

#: Largest comparison matrix the random-index tables cover.
MAX_AHP_SIZE = 15

#: Consistency ratio below which (strictly) a comparison matrix is accepted.
CR_THRESHOLD = 0.1

#: Default relative tolerance for the reciprocity check; accepts reciprocals typed with three
#: decimals (0.333 for 1/3, 0.167 for 1/6, 0.111 for 1/9) but not wrong or flipped judgements.
RECIPROCAL_RTOL = 5e-3

_OPERATORS = ("weighted_sum", "min_max")


# ---------------------------------------------------------------------------
# Small validation helpers
# ---------------------------------------------------------------------------


def _as_float(value: Any, name: str) -> np.ndarray:
    """Convert to a float64 ndarray, turning conversion failures into ValueError."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    return arr


def _require_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; entry {bad} is {arr[bad]!r}")


def _require_nonnegative(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):
        bad = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{name} must be non-negative; entry {bad} is {arr[bad]!r}")


def _as_vector(value: Any, name: str, length: int | None = None) -> np.ndarray:
    arr = _as_float(value, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    _require_finite(arr, name)
    return arr


def _as_bool_vector(value: Any, name: str, length: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"{name} must be a boolean vector of length {length}, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "iuf" and np.all((arr == 0) | (arr == 1)):
        return arr.astype(bool)
    raise ValueError(f"{name} must contain booleans (True = benefit, False = cost)")


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


# ---------------------------------------------------------------------------
# AHP
# ---------------------------------------------------------------------------


class PairAdvice(NamedTuple):
    """A comparison worth revisiting: row ``i``, column ``j`` (0-based, ``i < j``)."""

    i: int
    j: int
    given: float  # a_ij as entered
    suggested: float  # w_i / w_j, the value that would agree with the derived weights


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Outcome of :func:`ahp`. ``weights`` is a read-only array summing to 1."""

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    worst_pairs: list[PairAdvice]
    ri: float = 0.0
    ri_table: str = "saaty1980"

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])


def random_index(n: int, ri_table: str = "saaty1980") -> float:
    """Random index RI for a comparison matrix of order ``n`` (1..15) from the named table."""
    table = _ri_table(ri_table)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= MAX_AHP_SIZE:
        raise ValueError(f"random index is tabulated for n = 1..{MAX_AHP_SIZE}, got {n!r}")
    return float(table[int(n) - 1])


def _ri_table(ri_table: str) -> tuple[float, ...]:
    table = RANDOM_INDEX_TABLES.get(ri_table) if isinstance(ri_table, str) else None
    if table is None:
        known = ", ".join(sorted(RANDOM_INDEX_TABLES))
        raise ValueError(f"unknown random-index table {ri_table!r}; choose one of: {known}")
    return table


def consistency_index(lambda_max: float, n: int) -> float:
    """CI = (lambda_max - n) / (n - 1); 0 for n <= 2 (such matrices are always consistent).

    Tiny negative values caused by rounding (lambda_max is never below n in exact arithmetic)
    are reported as 0.
    """
    if n <= 2:
        return 0.0
    return max(0.0, (float(lambda_max) - n) / (n - 1))


def consistency_ratio(lambda_max: float, n: int, ri_table: str = "saaty1980") -> float:
    """CR = CI / RI[n]; 0 for n <= 2."""
    if n <= 2:
        _ri_table(ri_table)  # still reject unknown table names
        return 0.0
    return consistency_index(lambda_max, n) / random_index(n, ri_table)


def _validate_ahp_matrix(matrix: Any, rtol: float) -> np.ndarray:
    a = _as_float(matrix, "AHP matrix")
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"AHP matrix must be square and non-empty, got shape {a.shape}")
    n = a.shape[0]
    if n > MAX_AHP_SIZE:
        raise ValueError(
            f"AHP matrix is {n}x{n}; at most {MAX_AHP_SIZE} elements can be compared "
            "(the random-index tables stop at n = 15)"
        )
    bad = ~np.isfinite(a) | ~(a > 0)
    if np.any(bad):
        i, j = (int(k) for k in np.argwhere(bad)[0])
        raise ValueError(f"AHP matrix must be positive and finite; a[{i}, {j}] = {a[i, j]!r}")
    diag = np.diagonal(a)
    off = np.abs(diag - 1.0) > rtol
    if np.any(off):
        i = int(np.argmax(off))
        raise ValueError(f"AHP matrix is not reciprocal: diagonal a[{i}, {i}] = {diag[i]!r}, expected 1")
    mismatch = np.triu(np.abs(a * a.T - 1.0) > rtol, 1)
    if np.any(mismatch):
        i, j = (int(k) for k in np.argwhere(mismatch)[0])
        raise ValueError(
            f"AHP matrix is not reciprocal at pair ({i}, {j}): a[{i}, {j}] = {a[i, j]:g} but "
            f"a[{j}, {i}] = {a[j, i]:g} (expected {1.0 / a[i, j]:g})"
        )
    return a


def _principal_eigen(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Perron eigenvalue and eigenvector (normalized to sum 1) of a positive matrix."""
    if a.shape[0] == 1:
        return np.ones(1), 1.0
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vec = np.abs(vectors[:, k].real)
    return vec / vec.sum(), float(values[k].real)


def _worst_pairs(a: np.ndarray, w: np.ndarray, top: int) -> list[PairAdvice]:
    iu, ju = np.triu_indices(a.shape[0], 1)
    if iu.size == 0 or top <= 0:
        return []
    ratio = w[iu] / w[ju]
    deviation = np.abs(np.log(a[iu, ju] / ratio))
    order = np.argsort(-deviation, kind="stable")[:top]
    return [PairAdvice(int(iu[k]), int(ju[k]), float(a[iu[k], ju[k]]), float(ratio[k])) for k in order]


def ahp(
    matrix: Any,
    ri_table: str = "saaty1980",
    *,
    rtol: float = RECIPROCAL_RTOL,
    top_pairs: int = 3,
) -> AHPResult:
    """Analytic hierarchy process on one pairwise comparison matrix (eigenvector method).

    ``matrix[i][j]`` states how much more important element ``i`` is than element ``j``.
    Returns the principal right eigenvector normalized to sum 1, lambda_max, CI, CR (using the
    random-index table ``ri_table``: "saaty1980", "saaty2005" or "cn1000"), ``consistent``
    (CR < 0.1) and ``worst_pairs``: the ``top_pairs`` upper-triangle comparisons (i < j) that
    deviate most from the derived weights, ranked by ``|ln(a_ij * w_j / w_i)|``, each with the
    value ``w_i / w_j`` that would agree with the weights. It is filled for consistent matrices
    too, where the deviations are negligible.

    Raises ValueError if the matrix is not square, larger than 15x15, has an entry that is not
    finite and positive, or is not reciprocal (``a_ji * a_ij == 1`` and ``a_ii == 1`` within the
    relative tolerance ``rtol``; the message names the first offending pair), or if ``ri_table``
    is unknown.
    """
    table = _ri_table(ri_table)
    a = _validate_ahp_matrix(matrix, rtol)
    n = a.shape[0]
    w, lam = _principal_eigen(a)
    lam = max(lam, float(n))  # lambda_max >= n for positive reciprocal matrices; drop rounding noise
    ci = consistency_index(lam, n)
    ri = float(table[n - 1])
    cr = ci / ri if n > 2 else 0.0
    return AHPResult(
        weights=_readonly(w),
        lambda_max=lam,
        ci=ci,
        cr=cr,
        consistent=bool(cr < CR_THRESHOLD),
        worst_pairs=_worst_pairs(a, w, top_pairs),
        ri=ri,
        ri_table=ri_table,
    )


def reciprocal_matrix_from_upper(upper_values: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Full reciprocal matrix from the upper triangle entered row by row.

    ``upper_values`` lists a_01, a_02, ..., a_0(n-1), a_12, ..., a_(n-2)(n-1) (n(n-1)/2 values,
    typically from Saaty's 1-9 scale or their reciprocals); the diagonal is 1 and
    ``a_ji = 1 / a_ij``.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    values = _as_vector(upper_values, "upper_values", n * (n - 1) // 2)
    if np.any(values <= 0):
        k = int(np.argmax(values <= 0))
        raise ValueError(f"upper_values must be positive; value {k} is {values[k]!r}")
    a = np.ones((n, n))
    iu, ju = np.triu_indices(n, 1)
    a[iu, ju] = values
    a[ju, iu] = 1.0 / values
    return a


def ahp_from_upper(
    upper_values: Sequence[float] | np.ndarray,
    n: int,
    ri_table: str = "saaty1980",
    **kwargs: Any,
) -> AHPResult:
    """:func:`ahp` on the matrix built by :func:`reciprocal_matrix_from_upper`."""
    return ahp(reciprocal_matrix_from_upper(upper_values, n), ri_table, **kwargs)


def pairwise_matrix_from_weights(w: Sequence[float] | np.ndarray) -> np.ndarray:
    """Perfectly consistent comparison matrix a_ij = w_i / w_j for positive weights ``w``."""
    v = _as_vector(w, "weights")
    if v.size == 0 or np.any(v <= 0):
        raise ValueError("weights must be a non-empty vector of positive numbers")
    return v[:, None] / v[None, :]


# ---------------------------------------------------------------------------
# Entropy weights
# ---------------------------------------------------------------------------


def entropy_weights(
    X: Any,
    standardize: bool | str | None = False,
    benefit: Any = None,
) -> np.ndarray:
    """Entropy weight method: one weight per column (criterion) of ``X`` (alternatives x criteria).

    p_ij = x_ij / sum_i x_ij, e_j = -1/ln(m) * sum_i p_ij ln p_ij (with 0 ln 0 = 0),
    d_j = 1 - e_j, w = d / sum(d).

    * A column that is constant (this includes an all-zero column) carries no information and
      gets weight exactly 0.
    * If every column is constant (or there is a single alternative) the weights are equal,
      1/n each, so that they still sum to 1.
    * ``standardize=False`` (default) uses the raw values, which must be non-negative; the
      direction of a criterion does not change raw-data entropy, so ``benefit`` is then only
      validated. ``standardize="minmax"`` first maps benefit columns to (x - min)/(max - min)
      and cost columns (``benefit[j]`` False) to (max - x)/(max - min); negative data is
      allowed then.

    Scaling a column by a positive constant leaves the weights unchanged. No floating-point
    warnings are emitted for zeros.
    """
    x = _as_float(X, "X")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (alternatives x criteria), got shape {x.shape}")
    _require_finite(x, "X")
    m, n = x.shape
    ben = np.ones(n, dtype=bool) if benefit is None else _as_bool_vector(benefit, "benefit", n)

    if standardize is False or standardize is None:
        _require_nonnegative(x, "X (use standardize='minmax' for negative data)")
    elif isinstance(standardize, str) and standardize == "minmax":
        lo = x.min(axis=0)
        hi = x.max(axis=0)
        span = hi - lo
        safe = np.where(span > 0, span, 1.0)
        x = np.where(ben, x - lo, hi - x) / safe  # constant columns become all-zero
    else:
        raise ValueError(f"standardize must be False or 'minmax', got {standardize!r}")

    constant = np.all(x == x[0], axis=0)
    if m == 1 or np.all(constant):
        return np.full(n, 1.0 / n)

    # d_j = 1 - e_j = sum_i p_ij ln(m p_ij) / ln m (as sum_i p_ij = 1). With m p = 1 + u and
    # sum_i u_i = 0 this is sum_i [(1 + u) ln(1 + u) - u] / (m ln m): every term is >= 0, so nearly
    # uniform columns do not lose their small divergence to cancellation in 1 - e.
    col_sum = x.sum(axis=0)
    mp = x * (m / np.where(col_sum > 0, col_sum, 1.0))
    u = mp - 1.0
    log_mp = np.log1p(u, out=np.zeros_like(u), where=mp > 0)  # 0 ln 0 = 0
    terms = mp * log_mp - u
    d = np.clip(terms.sum(axis=0) / (m * np.log(m)), 0.0, None)
    d[constant] = 0.0
    total = d.sum()
    if total <= 0:  # pragma: no cover - only reachable through rounding in degenerate data
        return np.full(n, 1.0 / n)
    return d / total


# ---------------------------------------------------------------------------
# TOPSIS
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TopsisResult:
    """Outcome of :func:`topsis`; arrays are read-only, one entry per alternative (or criterion)."""

    closeness: np.ndarray
    d_best: np.ndarray
    d_worst: np.ndarray
    ideal_best: np.ndarray
    ideal_worst: np.ndarray


#: Closeness reported when an alternative is at distance 0 from both ideals (all alternatives
#: identical on every weighted criterion): it is neither better nor worse, so it sits midway.
TOPSIS_TIE_CLOSENESS = 0.5


def topsis(X: Any, weights: Any, benefit: Any) -> TopsisResult:
    """TOPSIS (Hwang & Yoon 1981) with vector normalization and Euclidean distances.

    ``X`` is alternatives x criteria; ``weights`` one non-negative weight per criterion (their
    scale does not change the closeness, only the distances); ``benefit`` one boolean per
    criterion (True = larger is better, False = cost). Each column is divided by its Euclidean
    norm (an all-zero column stays zero), multiplied by its weight, and the ideal best/worst are
    the column max/min (swapped for cost columns). closeness = d_worst / (d_best + d_worst), and
    0.5 when both distances are 0. Raises ValueError on shape mismatches or non-finite input.
    """
    x = _as_float(X, "X")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (alternatives x criteria), got shape {x.shape}")
    _require_finite(x, "X")
    n = x.shape[1]
    w = _as_vector(weights, "weights", n)
    _require_nonnegative(w, "weights")
    ben = _as_bool_vector(benefit, "benefit", n)

    norm = np.sqrt(np.einsum("ij,ij->j", x, x))
    scale = w / np.where(norm > 0, norm, 1.0)
    v = x * scale
    col_max = v.max(axis=0)
    col_min = v.min(axis=0)
    best = np.where(ben, col_max, col_min)
    worst = np.where(ben, col_min, col_max)
    diff = v - best
    d_best = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    np.subtract(v, worst, out=diff)
    d_worst = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    total = d_best + d_worst
    closeness = np.full_like(total, TOPSIS_TIE_CLOSENESS)
    np.divide(d_worst, total, out=closeness, where=total > 0)
    return TopsisResult(
        closeness=_readonly(closeness),
        d_best=_readonly(d_best),
        d_worst=_readonly(d_worst),
        ideal_best=_readonly(best),
        ideal_worst=_readonly(worst),
    )


def rank(scores: Any, descending: bool = True) -> np.ndarray:
    """Standard competition ranks ("1224"): 1 + the number of strictly better scores.

    Higher is better when ``descending`` (the default). Ties are exact float equality. Returns
    an int64 array; raises ValueError for non-1-D or NaN input.
    """
    s = _as_float(scores, "scores")
    if s.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {s.shape}")
    if np.any(np.isnan(s)):
        raise ValueError("scores must not contain NaN")
    ordered = np.sort(s)
    if descending:
        better = s.size - np.searchsorted(ordered, s, side="right")
    else:
        better = np.searchsorted(ordered, s, side="left")
    return (better + 1).astype(np.int64)


# ---------------------------------------------------------------------------
# Fuzzy comprehensive evaluation
# ---------------------------------------------------------------------------


def _check_operator(operator: str) -> None:
    if operator not in _OPERATORS:
        raise ValueError(f"unknown fuzzy operator {operator!r}; choose 'weighted_sum' or 'min_max'")


def _normalize_last(b: np.ndarray) -> np.ndarray:
    total = b.sum(axis=-1, keepdims=True)
    return np.divide(b, total, out=np.zeros_like(b), where=total > 0)


def fuzzy_evaluate(
    weights: Any,
    membership: Any,
    operator: str = "weighted_sum",
    normalize: bool = False,
) -> np.ndarray:
    """Fuzzy comprehensive evaluation B = A o R.

    ``weights`` (k factors) and ``membership`` (k factors x g grades; extra leading axes are
    evaluated independently, e.g. alternatives x k x g). ``operator``:

    * ``"weighted_sum"``: the weighted-average operator M(., +), b_j = sum_i w_i r_ij;
    * ``"min_max"``: Zadeh's M(and, or), b_j = max_i min(w_i, r_ij).

    With ``normalize`` the result is divided by its sum (a zero result stays zero).
    """
    _check_operator(operator)
    r = _as_float(membership, "membership")
    if r.ndim < 2:
        raise ValueError(f"membership must be (factors x grades), got shape {r.shape}")
    _require_finite(r, "membership")
    _require_nonnegative(r, "membership")
    w = _as_vector(weights, "weights", r.shape[-2])
    _require_nonnegative(w, "weights")
    b = np.einsum("i,...ij->...j", w, r) if operator == "weighted_sum" else np.minimum(w[:, None], r).max(axis=-2)
    return _normalize_last(b) if normalize else b


def fuzzy_evaluate_two_level(
    group_weights: Any,
    groups: Sequence[tuple[Any, Any]],
    operator: str = "weighted_sum",
    normalize: bool = False,
) -> np.ndarray:
    """Two-level fuzzy evaluation.

    ``groups`` is a list of ``(sub_weights, sub_membership)`` pairs. Each group is evaluated
    with :func:`fuzzy_evaluate` into one row; the rows form the first-level membership matrix,
    which is evaluated with ``group_weights``. ``operator`` and ``normalize`` apply at both
    levels.
    """
    _check_operator(operator)
    if len(groups) == 0:
        raise ValueError("groups must not be empty")
    rows = []
    for k, group in enumerate(groups):
        try:
            sub_w, sub_r = group
        except (TypeError, ValueError):
            raise ValueError(f"group {k} must be a (sub_weights, sub_membership) pair") from None
        rows.append(fuzzy_evaluate(sub_w, sub_r, operator, normalize))
    grades = {row.shape for row in rows}
    if len(grades) != 1:
        raise ValueError(f"all groups must be evaluated on the same grades, got shapes {sorted(grades)}")
    gw = _as_vector(group_weights, "group_weights", len(rows))
    return fuzzy_evaluate(gw, np.stack(rows, axis=-2), operator, normalize)


def fuzzy_score(grade_vector: Any, grade_scores: Any) -> float | np.ndarray:
    """Crisp score of an evaluation vector: sum_j b_j s_j / sum_j b_j (b is used as is if it sums to 0).

    ``grade_scores`` gives one score per grade, e.g. [95, 85, 75, 60]. ``grade_vector`` may have
    leading axes (one vector per alternative); a 1-D vector gives a float.
    """
    s = _as_vector(grade_scores, "grade_scores")
    b = _as_float(grade_vector, "grade_vector")
    if b.ndim < 1 or b.shape[-1] != s.shape[0]:
        raise ValueError(f"grade_vector must end with {s.shape[0]} grades, got shape {b.shape}")
    _require_finite(b, "grade_vector")
    dot = b @ s
    total = b.sum(axis=-1)
    out = np.divide(dot, total, out=np.array(dot, dtype=np.float64), where=total != 0)
    return float(out) if out.ndim == 0 else out


def membership_from_counts(counts: Any) -> np.ndarray:
    """Row-normalize vote counts per grade into a membership matrix; all-zero rows stay zero."""
    c = _as_float(counts, "counts")
    if c.ndim < 1:
        raise ValueError("counts must be at least one-dimensional (factors x grades)")
    _require_finite(c, "counts")
    _require_nonnegative(c, "counts")
    return _normalize_last(c)
