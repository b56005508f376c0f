"""The assessment engine: set-based SQL over the records, then a roll-up up the tree one depth at a time.

Stages (every one a handful of SQL statements or numpy operations over all organizations at once, never a loop per
organization):
  1. own totals: numerator and denominator of each metric per organization, one GROUP BY per record table (the
     members statement, the heaviest, in parts on a second connection in a second thread when the caller's records
     are committed, while the run's connection reads the other tables and then takes the parts left);
  2. subtree totals: own totals side by side, then from the deepest level up the sums of the children's rows
     (equi-joins on parent);
  3. one fetch of the assessed organizations' subtree totals (the sum of their rows); in numpy, one array per
     indicator: leaf scores (ratios against targets, capped counts), entered values and fuzzy ratings, then group
     scores up the indicator tree (weighted means of the children that have a score);
  4. totals: weighted total, capped deductions and bonuses, vetoes; TOPSIS closeness and rank sensitivity;
  5. each organization's indicator values packed into one sheet; the results with their grades by bands and ranks
     by window functions in one INSERT (binary COPY from numpy on PostgreSQL).
The SQL is portable, the same on SQLite and PostgreSQL: no recursive CTEs, no range self-joins in the hot path. The
bulk moves of numbers between the database and numpy differ (binary COPY on PostgreSQL), and the whole tree's
members statement takes the form each database runs best (merged in member order on PostgreSQL, looked up member
by member on SQLite, which has no merge join).
"""

from .base import GRADE_ORDER, GRADE_SCORES, SCORE_DECIMALS, Context, EngineError, months_between
from .pipeline import compute
from .scoring import from_records, global_leaf_weights
from .totals import study_required

__all__ = [
    "GRADE_ORDER",
    "GRADE_SCORES",
    "SCORE_DECIMALS",
    "Context",
    "EngineError",
    "compute",
    "from_records",
    "global_leaf_weights",
    "months_between",
    "study_required",
]
