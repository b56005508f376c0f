"""The top floor's one table: the totals kept for the dashboards (site/dashboards/totals.py)."""

from .dashboards.totals import SubtreeTotal

__all__ = ["SubtreeTotal"]
