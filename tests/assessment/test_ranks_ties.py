"""The same records give the same grades and ranks whatever order the database takes them in: the fractions the
engine sums add exactly in any order, and the sensitivity and TOPSIS ranks take values equal to the score's precision
as the tie they are (float sums taken in another order, a distributed database's partial sums, differ in their last
bits)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from grassroots.assessment.engine.base import QUANTUM, exact, exact_value
from grassroots.assessment.engine.scoring import Sheet, Totals, _topsis_and_sensitivity_of
from grassroots.assessment.models import IndicatorKind


def _leaf(pk, weight):
    return SimpleNamespace(pk=pk, weight=weight, kind=IndicatorKind.COMPUTED, is_adjustment=False)


def _ranks(scores: np.ndarray) -> dict:
    """Three organizations on two equally weighted leaves."""
    n = len(scores)
    values = {}
    for column, pk in enumerate((1, 2)):
        sheet_values = np.full((n, 5), np.nan)
        sheet_values[:, 3] = scores[:, column]  # SCORE
        values[pk] = sheet_values
    sheet = Sheet(orgs=np.arange(n), values=values, members=np.ones(n))
    zeros = np.zeros(n)
    totals = Totals(zeros, zeros, zeros, zeros, np.zeros(n, dtype=bool), np.ones(n), np.zeros(n, dtype=int))
    children = {None: [_leaf(1, 1), _leaf(2, 1)]}
    return _topsis_and_sensitivity_of(scores, {1: 0.5, 2: 0.5}, sheet, totals, children, np.arange(n))


def test_scores_equal_but_for_their_last_bits_share_their_ranks():
    exact = np.array([[80.1, 70.3], [80.1, 70.3], [60.0, 50.0]])
    noisy = exact.copy()
    noisy[1] = np.nextafter(noisy[1], np.inf)  # the same record's score summed in another order
    assert not np.array_equal(exact, noisy)
    for scores in (exact, noisy):
        figures = _ranks(scores)
        assert figures["rank_low"].tolist() == [1, 1, 3]
        assert figures["rank_high"].tolist() == [1, 1, 3]
        assert figures["rank_topsis"].tolist() == [1, 1, 3]


@given(st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), min_size=2, max_size=200), st.randoms())
@settings(max_examples=200, deadline=None)
def test_the_fractions_summed_add_the_same_in_any_order(values, rng):
    """A duty's weight times its key-work weight, a member's share of the study hours: kept to multiples of
    1 / QUANTUM, their sum does not depend on the order a database takes the rows in."""
    kept = [exact_value(v) for v in values]
    shuffled = kept[:]
    rng.shuffle(shuffled)
    assert sum(kept) == sum(shuffled) == math.fsum(kept)  # bit for bit, and the exact sum
    assert all(abs(k - v) <= 0.5 / QUANTUM for k, v in zip(kept, values, strict=True))


@pytest.mark.django_db
def test_the_database_keeps_a_fraction_as_python_does():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {exact('CAST(1.0 AS float) / 3')}, {exact('CAST(2.5 AS float) * 1.5')}")
        third, weight = cursor.fetchone()
    assert third == exact_value(1 / 3) and weight == 3.75
