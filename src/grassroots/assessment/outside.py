"""Metrics computed from the records of an app above the assessment ("outside metrics"), registered by that app when
Django starts.

The assessment knows the records of the apps below it (duties, organization life) and counts its built-in metrics
(`models.Metric`) from them. An app above it (insights: the masses' appeals) may offer metrics of its own records
that a scope may choose as indicators, without the assessment importing it: it registers a `Source` here at ready(),
and the source gives everything a built-in metric has:

- each metric's code and label, and its rule in words (rules.Rule, shown where the score is read);
- the fact its metrics count (facts.py: one fact, one use);
- its own-totals statement: the numerator and denominator of each of its metrics per organization of the run's
  scope, one set-based statement over its records written like the engine's (engine.totals), which the engine puts
  beside the built-in ones and rolls up the tree;
- the records behind the figures of an organization's subtree (the explanation's drill-down), and a row of the
  explanation per record;
- its reference computation: the same figures per organization in Python from those records, which the tests hold
  the engine to (reference.py).

Outside metrics are ratios (computed indicators, scored 0-100 against their target), treated as the built-in ratios
are: a zero or empty denominator does not apply (its weight goes to the other indicators of its group).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# The longest code an indicator's metric may have (Indicator.metric's max_length).
CODE_LENGTH = 20


@dataclass(frozen=True)
class Fact:
    """The fact an outside source's metrics count, as facts.Fact gives one (a value and a label)."""

    value: str
    label: str


@dataclass(frozen=True)
class Metric:
    """One outside metric: a ratio (numerator over denominator) scored 0-100 against the indicator's target."""

    code: str
    label: str
    rule: object  # rules.Rule: what it counts, when it does not apply


@dataclass(frozen=True)
class Statement:
    """An own-totals statement of a source: the numerator and the denominator of each of its metrics, in their order
    (SQL expressions over the rows grouped by organization), and the FROM clause with its GROUP BY on the
    organization column, and its parameters."""

    exprs: list[str]
    from_sql: str
    params: list = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """One record table of another app with the metrics counted from it.

    `organization`: the organization column of the statement's rows (e.g. "a.organization_id").
    `totals(ctx, where)`: the own-totals Statement for an engine.Context (its period's start and end, its as-of day),
      `where` the SQL condition that keeps the records of the run's scope by `organization` (to put in its WHERE).
    `records(run, organization, asof)`: the records of the organization's subtree counted up to `asof`, a queryset
      of a model the policy restricts (the explanation shows those the reader may view).
    `row(record, asof)`: a row of the explanation for one record (selectors.rows.record_row).
    `reference(ctx, organization)`: {code: (numerator, denominator)} of the organization's subtree, computed in
      Python from `records` (None for a denominator where nothing counts)."""

    fact: Fact
    metrics: tuple[Metric, ...]
    organization: str
    totals: Callable
    records: Callable
    row: Callable
    reference: Callable

    @property
    def codes(self) -> list[str]:
        return [m.code for m in self.metrics]


_SOURCES: list[Source] = []


def register(source: Source) -> None:
    """Add a source (registering the same codes again replaces it, as a reloaded app does). Its codes must not be
    the built-in metrics' (models.Metric; the tests hold every registered code to that)."""
    for metric in source.metrics:
        if metric.code == "offered":  # the engine's own column (rules.OFFERED)
            raise ValueError(f"{metric.code} is a column of the assessment engine")
        if not metric.code.isidentifier() or metric.code != metric.code.lower() or len(metric.code) > CODE_LENGTH:
            raise ValueError(f"{metric.code}: a metric's code is a lower-case name of at most {CODE_LENGTH} letters")
    _SOURCES[:] = [s for s in _SOURCES if not set(s.codes) & set(source.codes)]
    _SOURCES.append(source)


def sources() -> list[Source]:
    return list(_SOURCES)


def metrics() -> list[Metric]:
    return [m for s in _SOURCES for m in s.metrics]


def codes() -> list[str]:
    return [m.code for m in metrics()]


def metric(code: str) -> Metric | None:
    return next((m for m in metrics() if m.code == code), None)


def source_of(code: str) -> Source | None:
    return next((s for s in _SOURCES if code in s.codes), None)


def choices() -> list[tuple[str, str]]:
    return [(m.code, m.label) for m in metrics()]
