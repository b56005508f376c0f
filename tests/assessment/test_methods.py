"""Specifications for grassroots.assessment.methods (AHP, entropy weights, TOPSIS, fuzzy evaluation)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grassroots.assessment.methods import (
    RANDOM_INDEX_TABLES,
    AHPResult,
    TopsisResult,
    ahp,
    ahp_from_upper,
    consistency_index,
    consistency_ratio,
    entropy_weights,
    fuzzy_evaluate,
    fuzzy_evaluate_two_level,
    fuzzy_score,
    membership_from_counts,
    pairwise_matrix_from_weights,
    random_index,
    rank,
    reciprocal_matrix_from_upper,
    topsis,
)

# ---------------------------------------------------------------------------
# Hypothesis strategies
# ---------------------------------------------------------------------------

SAATY_SCALE = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
positive = st.floats(min_value=0.01, max_value=100.0, allow_nan=False, allow_infinity=False)
nonneg = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1000.0))  # no subnormals


@st.composite
def judgement_matrices(draw, min_n=1, max_n=9):
    """Reciprocal matrices filled with Saaty-scale judgements (usually inconsistent)."""
    n = draw(st.integers(min_n, max_n))
    upper = draw(st.lists(st.sampled_from(SAATY_SCALE), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2))
    return reciprocal_matrix_from_upper(upper, n)


@st.composite
def decision_matrices(draw, min_rows=1, max_rows=8, max_cols=6, elements=nonneg):
    m = draw(st.integers(min_rows, max_rows))
    n = draw(st.integers(1, max_cols))
    rows = draw(st.lists(st.lists(elements, min_size=n, max_size=n), min_size=m, max_size=m))
    return np.array(rows, dtype=float)


# ---------------------------------------------------------------------------
# AHP: published worked examples
# ---------------------------------------------------------------------------

# Saaty, T. L. (1990). "How to make a decision: The Analytic Hierarchy Process."
# European Journal of Operational Research 48(1), 9-26, doi:10.1016/0377-2217(90)90057-I,
# choosing a house: comparison of the eight criteria (size of house, transportation,
# neighbourhood, age, yard space, modern facilities, general condition, financing).
# Published: priorities .173 .054 .188 .018 .031 .036 .167 .333,
# lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169 (i.e. not acceptable).
SAATY_1990_HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]

# Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill, section 2-4 "Wealth of
# nations through their world influence" (p. 40): US, USSR, China, France, UK, Japan, W. Germany.
# Published: eigenvector .427 .230 .021 .052 .052 .123 .094, lambda_max = 7.61, C.I. = 0.10,
# C.R. = 0.08.
SAATY_1980_WEALTH = [
    [1, 4, 9, 6, 6, 5, 5],
    [1 / 4, 1, 7, 5, 5, 3, 4],
    [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
    [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
]

# Saaty, T. L. (2008). "Decision making with the analytic hierarchy process." International
# Journal of Services Sciences 1(1), 83-98, drink consumption in the US (coffee, wine, tea, beer,
# sodas, milk, water). Published derived scale .177 .019 .042 .116 .190 .129 .327 (the actual
# consumption shares were .180 .010 .040 .120 .180 .140 .330). The same data is a test case of
# the AHPy package (github.com/PhilipGriffith/AHPy, tests/test_ahp.py), which reports CR 0.022.
SAATY_2008_DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_saaty_1990_house_example_reproduces_published_priorities_and_consistency():
    result = ahp(SAATY_1990_HOUSE)
    assert isinstance(result, AHPResult)
    np.testing.assert_allclose(result.weights, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=5e-4)
    assert result.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert result.ci == pytest.approx(0.238, abs=5e-4)
    assert result.cr == pytest.approx(0.169, abs=5e-4)
    assert result.consistent is False


def test_saaty_1990_house_example_points_at_the_comparisons_to_revisit():
    result = ahp(SAATY_1990_HOUSE)
    assert len(result.worst_pairs) == 3
    w = result.weights
    deviations = [abs(np.log(a_ij * w[j] / w[i])) for i, j, a_ij, _ in result.worst_pairs]
    assert deviations == sorted(deviations, reverse=True)
    # No other upper-triangle pair deviates more than the third one reported.
    a = np.array(SAATY_1990_HOUSE)
    iu, ju = np.triu_indices(8, 1)
    all_dev = np.sort(np.abs(np.log(a[iu, ju] * w[ju] / w[iu])))[::-1]
    np.testing.assert_allclose(deviations, all_dev[:3])
    for i, j, a_ij, suggested in result.worst_pairs:
        assert i < j
        assert a_ij == a[i, j]
        assert suggested == pytest.approx(w[i] / w[j])
    # Neighbourhood (2) judged 6x more important than general condition (6) is the worst one.
    assert result.worst_pairs[0][:2] == (2, 6)


def test_saaty_1980_wealth_of_nations_reproduces_published_eigenvector():
    result = ahp(SAATY_1980_WEALTH)
    np.testing.assert_allclose(result.weights, [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094], atol=5e-4)
    assert result.lambda_max == pytest.approx(7.61, abs=5e-3)
    assert result.ci == pytest.approx(0.10, abs=5e-3)
    assert result.cr == pytest.approx(0.08, abs=5e-3)
    assert result.consistent is True


def test_saaty_2008_drinks_reproduces_published_derived_scale():
    result = ahp(SAATY_2008_DRINKS)
    np.testing.assert_allclose(result.weights, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], atol=5e-4)
    assert result.cr == pytest.approx(0.022, abs=5e-4)
    assert result.consistent is True


# A real cadre assessment with six criteria reported weights 0.2423, 0.1613, 0.2972, 0.0987,
# 0.1427, 0.0578 with lambda_max = 6.0166 and CR = 0.0027 (Saaty 1980 random index, RI(6) = 1.24).
CADRE_WEIGHTS = [0.2423, 0.1613, 0.2972, 0.0987, 0.1427, 0.0578]


def test_cadre_assessment_reported_lambda_max_maps_to_reported_cr():
    assert random_index(6) == 1.24
    assert consistency_index(6.0166, 6) == pytest.approx(0.0166 / 5)
    assert consistency_ratio(6.0166, 6) == pytest.approx(0.0027, abs=5e-5)
    assert consistency_ratio(6.0166, 6, "saaty1980") < 0.1


def test_cadre_assessment_weights_are_recovered_from_their_consistent_matrix():
    result = ahp(pairwise_matrix_from_weights(CADRE_WEIGHTS))
    np.testing.assert_allclose(result.weights, np.array(CADRE_WEIGHTS) / sum(CADRE_WEIGHTS), rtol=1e-10)
    assert result.lambda_max == pytest.approx(6.0, abs=1e-9)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.consistent is True


# ---------------------------------------------------------------------------
# AHP: behaviour
# ---------------------------------------------------------------------------


def test_consistent_matrix_built_from_weights_gives_them_back():
    w = np.array([4.0, 2.0, 1.0, 0.5])
    result = ahp(pairwise_matrix_from_weights(w))
    np.testing.assert_allclose(result.weights, w / w.sum(), rtol=1e-12)
    assert result.ci == pytest.approx(0.0, abs=1e-12)
    assert result.consistent is True


def test_pairwise_matrix_from_weights_is_ratio_matrix():
    a = pairwise_matrix_from_weights([1.0, 2.0, 4.0])
    np.testing.assert_allclose(a, [[1, 0.5, 0.25], [2, 1, 0.5], [4, 2, 1]])


def test_upper_triangle_is_read_row_by_row():
    a = reciprocal_matrix_from_upper([2, 3, 4, 5, 6, 7], 4)
    np.testing.assert_allclose(np.triu(a, 1)[np.triu_indices(4, 1)], [2, 3, 4, 5, 6, 7])
    assert a[0, 1] == 2 and a[0, 3] == 4 and a[1, 2] == 5 and a[2, 3] == 7
    np.testing.assert_allclose(a * a.T, np.ones((4, 4)))


def test_ahp_from_upper_matches_ahp_on_the_full_matrix():
    a = np.array(SAATY_1990_HOUSE)
    upper = a[np.triu_indices(8, 1)]
    from_upper = ahp_from_upper(upper, 8)
    full = ahp(a)
    np.testing.assert_allclose(from_upper.weights, full.weights)
    assert from_upper.cr == pytest.approx(full.cr)


def test_one_and_two_element_matrices_are_always_consistent():
    one = ahp([[1]])
    np.testing.assert_allclose(one.weights, [1.0])
    assert (one.ci, one.cr, one.consistent, one.worst_pairs) == (0.0, 0.0, True, [])
    two = ahp([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(two.weights, [0.75, 0.25])
    assert (two.ci, two.cr, two.consistent) == (0.0, 0.0, True)


def test_consistency_threshold_is_strict():
    # Find lambda_max for which CR is exactly 0.1 with n = 4 (RI 0.90): CI = 0.09.
    assert consistency_ratio(4 + 3 * 0.09, 4) == pytest.approx(0.1)
    assert consistency_ratio(4 + 3 * 0.0899, 4) < 0.1


def test_random_index_tables_hold_the_published_values():
    assert RANDOM_INDEX_TABLES == {
        "saaty1980": (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
        "saaty2005": (0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
        "cn1000": (0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    }


@pytest.mark.parametrize("table", ["saaty1980", "saaty2005", "cn1000"])
def test_cr_uses_the_selected_random_index_table(table):
    result = ahp(SAATY_1990_HOUSE, ri_table=table)
    assert result.ri == RANDOM_INDEX_TABLES[table][7]
    assert result.cr == pytest.approx(result.ci / RANDOM_INDEX_TABLES[table][7])
    assert result.ri_table == table


def test_weights_of_the_result_are_read_only():
    result = ahp(SAATY_1980_WEALTH)
    with pytest.raises(ValueError):
        result.weights[0] = 1.0


def test_a_single_wrong_judgement_is_reported_first():
    w = np.array([0.2, 0.5, 1.0, 3.0, 0.7, 0.1])
    a = pairwise_matrix_from_weights(w)
    a[0, 3] *= 9
    a[3, 0] /= 9
    result = ahp(a)
    assert result.worst_pairs[0][:2] == (0, 3)
    assert result.worst_pairs[0][2] == pytest.approx(9 * w[0] / w[3])


def test_reciprocals_typed_with_three_decimals_are_accepted():
    result = ahp([[1, 3, 6], [0.333, 1, 2], [0.167, 0.5, 1]])
    assert result.weights.sum() == pytest.approx(1.0)


@given(judgement_matrices())
@settings(max_examples=60, deadline=None)
def test_weights_sum_to_one_and_are_positive(a):
    result = ahp(a)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(result.weights > 0)
    assert result.lambda_max >= a.shape[0]
    assert result.cr >= 0
    assert result.consistent == (result.cr < 0.1)


@given(st.lists(positive, min_size=1, max_size=15))
@settings(max_examples=60, deadline=None)
def test_consistent_matrix_from_random_weights_has_zero_cr_and_returns_the_weights(w):
    w = np.array(w)
    result = ahp(pairwise_matrix_from_weights(w))
    np.testing.assert_allclose(result.weights, w / w.sum(), rtol=1e-8)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.consistent is True


@given(judgement_matrices(min_n=2), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_permuting_rows_and_columns_permutes_the_weights(a, rnd):
    perm = list(range(a.shape[0]))
    rnd.shuffle(perm)
    perm = np.array(perm)
    original = ahp(a)
    permuted = ahp(a[np.ix_(perm, perm)])
    np.testing.assert_allclose(permuted.weights, original.weights[perm], rtol=1e-8, atol=1e-12)
    assert permuted.cr == pytest.approx(original.cr, abs=1e-9)


# ---------------------------------------------------------------------------
# AHP: rejected input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "matrix, message",
    [
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([1, 2, 3], "square"),
        ([[[1]]], "square"),
        (np.empty((0, 0)), "square"),
        ([[1, 0], [np.inf, 1]], "positive"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, np.nan], [1, 1]], "positive"),
        ([[1, np.inf], [0, 1]], "positive"),
        ([[1, 3, 2], [1 / 3, 1, 4], [2, 1 / 4, 1]], r"not reciprocal at pair \(0, 2\)"),
        ([[1, 3], [3, 1]], r"not reciprocal at pair \(0, 1\)"),
        ([[2, 1], [1, 1]], "diagonal"),
        (np.ones((16, 16)), "15"),
        ([["a", "b"], ["c", "d"]], "numeric"),
    ],
)
def test_invalid_ahp_matrix_is_rejected_with_a_reason(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp(matrix)


def test_unknown_random_index_table_is_rejected():
    with pytest.raises(ValueError, match="unknown random-index table"):
        ahp(SAATY_1980_WEALTH, ri_table="saaty1977")
    with pytest.raises(ValueError, match="unknown random-index table"):
        consistency_ratio(3.1, 3, "nope")
    with pytest.raises(ValueError):
        random_index(16)


@pytest.mark.parametrize(
    "upper, n",
    [([2, 3], 3), ([2, 3, 4, 5], 3), ([2, 0, 4], 3), ([2, -1, 4], 3), ([2, np.nan, 4], 3), ([], 0)],
)
def test_invalid_upper_triangle_is_rejected(upper, n):
    with pytest.raises(ValueError):
        ahp_from_upper(upper, n)


@pytest.mark.parametrize("w", [[], [1, 0, 2], [1, -1], [[1, 2]], [1, np.inf]])
def test_pairwise_matrix_needs_positive_weights(w):
    with pytest.raises(ValueError):
        pairwise_matrix_from_weights(w)


# ---------------------------------------------------------------------------
# Entropy weights
# ---------------------------------------------------------------------------


def test_xu_2004_entropy_example_reproduces_published_weights():
    # Xu, X. (2004). "A note on the subjective and objective integrated approach to determine
    # attribute weights." European Journal of Operational Research 156(2), 530-532,
    # doi:10.1016/S0377-2217(03)00146-2. Published weights 0.4630, 0.3992, 0.1378, 0.0000
    # (also the reference test of the pyrepo-mcda / objective-weighting packages).
    x = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
    np.testing.assert_allclose(entropy_weights(x), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)


def test_zavadskas_podvezko_2016_entropy_example_reproduces_published_weights():
    # Zavadskas, E. K. & Podvezko, V. (2016). "Integrated determination of objective criteria
    # weights in MCDM." Int. J. Information Technology & Decision Making 15(2), 267-283.
    # Published entropy weights 0.1146, 0.1981, 0.4185, 0.2689 (raw data; criteria 1 and 3 are
    # costs, which does not change the entropy of raw data).
    x = [[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]]
    expected = [0.1146, 0.1981, 0.4185, 0.2689]
    np.testing.assert_allclose(entropy_weights(x), expected, atol=5e-5)
    np.testing.assert_allclose(entropy_weights(x, benefit=[False, True, False, True]), expected, atol=5e-5)


def test_constant_and_all_zero_columns_get_zero_weight():
    x = np.array([[1.0, 5.0, 0.0, 3.0], [2.0, 5.0, 0.0, 0.0], [4.0, 5.0, 0.0, 9.0]])
    w = entropy_weights(x)
    assert w[1] == 0.0 and w[2] == 0.0
    assert w.sum() == pytest.approx(1.0)
    assert np.all(w[[0, 3]] > 0)


def test_all_constant_columns_give_equal_weights():
    np.testing.assert_allclose(entropy_weights([[1, 0, 7], [1, 0, 7]]), [1 / 3] * 3)
    np.testing.assert_allclose(entropy_weights([[1, 2, 7]]), [1 / 3] * 3)  # a single alternative


def test_zeros_in_entropy_do_not_warn():
    x = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 3.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        w = entropy_weights(x)
        entropy_weights(x, standardize="minmax")
        entropy_weights(np.zeros((3, 2)))
    assert w[0] == 0.0
    assert w.sum() == pytest.approx(1.0)


def test_minmax_standardization_treats_cost_columns_in_reverse():
    x = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 40.0]])
    # Benefit column: (x - min)/(max - min) = 0, 1/3, 1; cost column: (max - x)/(max - min) = 1, 2/3, 0.
    w_cost = entropy_weights(x, standardize="minmax", benefit=[True, False])
    w_bench = entropy_weights([[0.0, 1.0], [1 / 3, 2 / 3], [1.0, 0.0]])
    np.testing.assert_allclose(w_cost, w_bench)


def test_minmax_standardization_allows_negative_values():
    x = np.array([[-1.0, 3.0], [0.0, -2.0], [5.0, 1.0]])
    w = entropy_weights(x, standardize="minmax")
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w, entropy_weights(x + 10.0, standardize="minmax"))


@given(decision_matrices(min_rows=2))
@settings(max_examples=80, deadline=None)
def test_entropy_weights_sum_to_one(x):
    w = entropy_weights(x)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(w >= 0)


@given(
    decision_matrices(min_rows=2),
    st.floats(min_value=1e-3, max_value=1e3),
    st.integers(min_value=0, max_value=5),
)
@settings(max_examples=80, deadline=None)
def test_entropy_weights_are_invariant_to_scaling_a_column(x, factor, col):
    col %= x.shape[1]
    scaled = x.copy()
    scaled[:, col] *= factor
    np.testing.assert_allclose(entropy_weights(scaled), entropy_weights(x), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"X": [[1.0, -1.0], [2.0, 3.0]]},
        {"X": [1.0, 2.0, 3.0]},
        {"X": np.empty((0, 3))},
        {"X": [[1.0, np.nan], [2.0, 3.0]]},
        {"X": [[1.0, 2.0], [2.0, 3.0]], "standardize": "zscore"},
        {"X": [[1.0, 2.0], [2.0, 3.0]], "standardize": True},
        {"X": [[1.0, 2.0], [2.0, 3.0]], "standardize": "minmax", "benefit": [True]},
        {"X": [[1.0, 2.0], [2.0, 3.0]], "standardize": "minmax", "benefit": ["yes", "no"]},
    ],
)
def test_invalid_entropy_input_is_rejected(kwargs):
    with pytest.raises(ValueError):
        entropy_weights(**kwargs)


# ---------------------------------------------------------------------------
# TOPSIS and ranking
# ---------------------------------------------------------------------------

# Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and Applications.
# Springer, pp. 133-134, doi:10.1007/978-3-642-48318-9: fighter aircraft selection. Criteria:
# max speed (Mach), ferry range (NM), max payload (lb), purchase cost ($10^6, a cost), reliability,
# maneuverability. Published relative closeness 0.643, 0.268, 0.613, 0.312 (A1 > A3 > A4 > A2),
# distances to the ideal 0.0545, 0.1197, 0.0580, 0.1009 and to the negative ideal 0.0983, 0.0439,
# 0.0920, 0.0458, computed from intermediates rounded to four decimals (hence A3's 0.613 against
# the exact 0.6135).
FIGHTERS = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
FIGHTER_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
FIGHTER_BENEFIT = [True, True, True, False, True, True]


def test_hwang_yoon_fighter_aircraft_example_reproduces_published_closeness():
    result = topsis(FIGHTERS, FIGHTER_WEIGHTS, FIGHTER_BENEFIT)
    assert isinstance(result, TopsisResult)
    np.testing.assert_allclose(result.closeness, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    np.testing.assert_allclose(result.d_best, [0.0545, 0.1197, 0.0580, 0.1009], atol=2e-4)
    np.testing.assert_allclose(result.d_worst, [0.0983, 0.0439, 0.0920, 0.0458], atol=2e-4)
    # Ideal points to the printed precision (0.0598 comes from the rounded 0.5983 * 0.1).
    ideal_best = [0.1168, 0.0659, 0.0531, 0.0414, 0.1347, 0.2012]
    ideal_worst = [0.0841, 0.0366, 0.0455, 0.0598, 0.0577, 0.1118]
    np.testing.assert_allclose(result.ideal_best, ideal_best, atol=2e-4)
    np.testing.assert_allclose(result.ideal_worst, ideal_worst, atol=2e-4)
    assert rank(result.closeness).tolist() == [1, 4, 2, 3]


def test_topsis_zero_column_stays_zero_and_does_not_warn():
    x = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        result = topsis(x, [0.5, 0.5], [True, True])
    np.testing.assert_allclose(result.closeness, [0.0, 0.5, 1.0])


def test_identical_alternatives_get_closeness_one_half_without_warnings():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        result = topsis([[3.0, 4.0], [3.0, 4.0]], [0.6, 0.4], [True, False])
        single = topsis([[3.0, 4.0]], [0.6, 0.4], [True, False])
    np.testing.assert_allclose(result.closeness, [0.5, 0.5])
    np.testing.assert_allclose(single.closeness, [0.5])


def test_cost_criterion_prefers_smaller_values():
    result = topsis([[1.0], [2.0], [3.0]], [1.0], [False])
    np.testing.assert_allclose(result.closeness, [1.0, 0.5, 0.0])


def test_benefit_given_as_zero_one_integers_is_accepted():
    a = topsis(FIGHTERS, FIGHTER_WEIGHTS, [1, 1, 1, 0, 1, 1])
    b = topsis(FIGHTERS, FIGHTER_WEIGHTS, FIGHTER_BENEFIT)
    np.testing.assert_allclose(a.closeness, b.closeness)


@st.composite
def topsis_problems(draw):
    x = draw(decision_matrices(min_rows=1, max_rows=8, max_cols=5))
    n = x.shape[1]
    w = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    benefit = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return x, w, benefit


@given(topsis_problems())
@settings(max_examples=80, deadline=None)
def test_topsis_closeness_lies_in_unit_interval(problem):
    x, w, benefit = problem
    result = topsis(x, w, benefit)
    assert result.closeness.shape == (x.shape[0],)
    assert np.all((result.closeness >= 0) & (result.closeness <= 1))
    assert np.all(result.d_best >= 0) and np.all(result.d_worst >= 0)


@given(topsis_problems(), st.floats(min_value=1e-3, max_value=1e3), st.integers(0, 4))
@settings(max_examples=80, deadline=None)
def test_topsis_closeness_is_invariant_to_scaling_a_column(problem, factor, col):
    x, w, benefit = problem
    col %= x.shape[1]
    scaled = x.copy()
    scaled[:, col] *= factor
    np.testing.assert_allclose(
        topsis(scaled, w, benefit).closeness, topsis(x, w, benefit).closeness, rtol=1e-7, atol=1e-9
    )


def test_competition_ranking_shares_ranks_and_skips():
    assert rank([0.9, 0.5, 0.5, 0.1]).tolist() == [1, 2, 2, 4]
    assert rank([0.9, 0.5, 0.5, 0.1], descending=False).tolist() == [4, 2, 2, 1]
    assert rank([3, 3, 3]).tolist() == [1, 1, 1]
    assert rank([]).tolist() == []
    assert rank([0.2, 0.9]).dtype == np.int64


@given(st.lists(st.integers(-5, 5), min_size=0, max_size=30), st.booleans())
@settings(max_examples=80, deadline=None)
def test_rank_is_one_plus_number_of_strictly_better_scores(scores, descending):
    expected = [1 + sum((t > s) if descending else (t < s) for t in scores) for s in scores]
    assert rank(scores, descending=descending).tolist() == expected


@pytest.mark.parametrize(
    "x, w, benefit",
    [
        ([[1.0, 2.0], [3.0, 4.0]], [0.5], [True, True]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5], [True]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5], [[True, True]]),
        ([1.0, 2.0], [0.5, 0.5], [True, True]),
        (np.empty((0, 2)), [0.5, 0.5], [True, True]),
        ([[1.0, np.nan], [3.0, 4.0]], [0.5, 0.5], [True, True]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5], [True, True]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, np.inf], [True, True]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5], ["max", "min"]),
        ([[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5], [2, 1]),
    ],
)
def test_invalid_topsis_input_is_rejected(x, w, benefit):
    with pytest.raises(ValueError):
        topsis(x, w, benefit)


@pytest.mark.parametrize("scores", [[[1.0, 2.0]], [1.0, np.nan]])
def test_invalid_scores_are_rejected(scores):
    with pytest.raises(ValueError):
        rank(scores)


def test_large_problem_runs_vectorised_with_float64_results():
    rng = np.random.default_rng(20240601)
    x = rng.random((200_000, 12)) * 100.0
    x[:, 3] = 0.0  # an all-zero criterion
    benefit = np.arange(12) % 3 != 0
    w = entropy_weights(x)
    assert w.shape == (12,) and w.dtype == np.float64
    assert w.sum() == pytest.approx(1.0) and w[3] == 0.0
    result = topsis(x, w, benefit)
    for arr in (result.closeness, result.d_best, result.d_worst):
        assert arr.shape == (200_000,) and arr.dtype == np.float64
    ranks = rank(result.closeness)
    assert ranks.shape == (200_000,) and ranks.min() == 1
    membership = membership_from_counts(rng.integers(0, 10, size=(200_000, 12, 4)))
    b = fuzzy_evaluate(w, membership)
    assert b.shape == (200_000, 4)
    assert fuzzy_score(b, [95, 85, 75, 60]).shape == (200_000,)


# ---------------------------------------------------------------------------
# Fuzzy comprehensive evaluation
# ---------------------------------------------------------------------------

# Classic clothing evaluation (Chinese fuzzy-mathematics textbook example, "Example 8.4", as
# reproduced at https://e-com-net.com/article/1276296104417181696.htm): factors colour, style,
# durability, price; grades very welcome, fairly welcome, not very welcome, unwelcome.
# With the M(and, or) operator the published results are B1 = (0.2, 0.3, 0.4, 0.1) for customer
# group 1 and B2 = (0.35, 0.4, 0.2, 0.1) for customer group 2.
CLOTHING_R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
CLOTHING_A1 = [0.1, 0.2, 0.3, 0.4]
CLOTHING_A2 = [0.4, 0.35, 0.15, 0.1]


def test_clothing_example_min_max_operator_reproduces_published_vectors():
    np.testing.assert_allclose(fuzzy_evaluate(CLOTHING_A1, CLOTHING_R, "min_max"), [0.2, 0.3, 0.4, 0.1])
    np.testing.assert_allclose(fuzzy_evaluate(CLOTHING_A2, CLOTHING_R, "min_max"), [0.35, 0.4, 0.2, 0.1])


def test_clothing_example_weighted_sum_is_the_weighted_average_of_rows():
    # Hand computation: 0.1*(.2,.5,.2,.1) + 0.2*(.7,.2,.1,0) + 0.3*(0,.4,.5,.1) + 0.4*(.2,.3,.5,0).
    np.testing.assert_allclose(fuzzy_evaluate(CLOTHING_A1, CLOTHING_R), [0.24, 0.33, 0.39, 0.04])
    assert fuzzy_evaluate(CLOTHING_A1, CLOTHING_R, "weighted_sum").sum() == pytest.approx(1.0)


def test_min_max_result_can_be_normalized():
    b = fuzzy_evaluate(CLOTHING_A1, CLOTHING_R, "min_max", normalize=True)
    np.testing.assert_allclose(b, np.array([0.2, 0.3, 0.4, 0.1]) / 1.0)
    b2 = fuzzy_evaluate(CLOTHING_A2, CLOTHING_R, "min_max", normalize=True)
    np.testing.assert_allclose(b2, np.array([0.35, 0.4, 0.2, 0.1]) / 1.05)


def test_two_level_evaluation_evaluates_groups_then_the_first_level():
    groups = [
        ([0.5, 0.5], [[0.6, 0.4, 0.0], [0.2, 0.6, 0.2]]),
        ([0.2, 0.3, 0.5], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
    ]
    # Group rows: (0.4, 0.5, 0.1) and (0.2, 0.3, 0.5); first level 0.7/0.3.
    expected = 0.7 * np.array([0.4, 0.5, 0.1]) + 0.3 * np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(fuzzy_evaluate_two_level([0.7, 0.3], groups), expected)
    rows = np.array([fuzzy_evaluate(w, r, "min_max") for w, r in groups])
    np.testing.assert_allclose(
        fuzzy_evaluate_two_level([0.7, 0.3], groups, operator="min_max"),
        fuzzy_evaluate([0.7, 0.3], rows, "min_max"),
    )


def test_fuzzy_score_is_the_normalized_dot_product():
    assert fuzzy_score([0.24, 0.33, 0.39, 0.04], [95, 85, 75, 60]) == pytest.approx(
        0.24 * 95 + 0.33 * 85 + 0.39 * 75 + 0.04 * 60
    )
    assert fuzzy_score([2, 1, 1, 0], [95, 85, 75, 60]) == pytest.approx((190 + 85 + 75) / 4)
    assert fuzzy_score([0, 0, 0, 0], [95, 85, 75, 60]) == 0.0


def test_membership_from_counts_normalizes_rows_and_keeps_empty_rows_zero():
    counts = [[6, 3, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        r = membership_from_counts(counts)
    np.testing.assert_allclose(r, [[0.6, 0.3, 0.1, 0.0], [0, 0, 0, 0], [0.25] * 4])
    assert r.dtype == np.float64


@st.composite
def stochastic_problems(draw):
    k = draw(st.integers(1, 8))
    g = draw(st.integers(1, 6))
    row = st.lists(st.integers(0, 50), min_size=g, max_size=g)
    counts = np.array(draw(st.lists(row, min_size=k, max_size=k)))
    counts[:, 0] += 1  # every factor has at least one vote
    w = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k)))
    return w / w.sum(), membership_from_counts(counts)


@given(stochastic_problems())
@settings(max_examples=80, deadline=None)
def test_weighted_sum_of_stochastic_membership_sums_to_one(problem):
    w, r = problem
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    b = fuzzy_evaluate(w, r)
    assert b.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all((b >= 0) & (b <= 1 + 1e-12))


@pytest.mark.parametrize(
    "weights, membership, operator",
    [
        ([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]], "weighted_sum"),
        ([0.5, 0.5], [0.5, 0.5], "weighted_sum"),
        ([[0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]], "weighted_sum"),
        ([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], "max_min_product"),
        ([0.5, -0.5], [[0.5, 0.5], [0.5, 0.5]], "weighted_sum"),
        ([0.5, 0.5], [[0.5, -0.5], [0.5, 0.5]], "min_max"),
        ([0.5, 0.5], [[0.5, np.nan], [0.5, 0.5]], "weighted_sum"),
    ],
)
def test_invalid_fuzzy_input_is_rejected(weights, membership, operator):
    with pytest.raises(ValueError):
        fuzzy_evaluate(weights, membership, operator)


@pytest.mark.parametrize(
    "group_weights, groups",
    [
        ([1.0], []),
        ([0.5, 0.5], [([1.0], [[0.5, 0.5]])]),
        ([0.5, 0.5], [([1.0], [[0.5, 0.5]]), ([1.0], [[0.2, 0.3, 0.5]])]),
        ([1.0], [([1.0], [[0.5, 0.5]], "extra")]),
    ],
)
def test_invalid_two_level_input_is_rejected(group_weights, groups):
    with pytest.raises(ValueError):
        fuzzy_evaluate_two_level(group_weights, groups)


@pytest.mark.parametrize(
    "call",
    [
        lambda: fuzzy_score([0.5, 0.5], [95, 85, 75]),
        lambda: fuzzy_score([0.5, np.nan], [95, 85]),
        lambda: membership_from_counts([[1, -1]]),
        lambda: membership_from_counts(3),
        lambda: membership_from_counts([[1, np.inf]]),
    ],
)
def test_invalid_score_and_count_input_is_rejected(call):
    with pytest.raises(ValueError):
        call()
