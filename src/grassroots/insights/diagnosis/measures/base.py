"""What the checks share: the day a period is read as of, members counted per organization in one query, links
built without a reverse() per row, and the numbers a finding shows."""

import contextvars
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext

from grassroots.core.policy import Action
from grassroots.organizations.models import Member, MemberStatus

from ..checks import Link

CHANGE = Action.CHANGE
PURSUE = Action.PURSUE
# The pages list at most this many names as evidence: the rest are one tap away on the page linked.
NAMES_SHOWN = 5
_MARK = 987654321


def as_of(period) -> dt.date:
    """The day a period is read as of: today while it runs, its last day once it is over."""
    return min(timezone.localdate(), period.end)


def started(period) -> bool:
    return period.start <= timezone.localdate()


def elapsed_share(start: dt.date, end: dt.date, upto: dt.date) -> Decimal:
    """The share of the days from start to end (both counted) gone by `upto`."""
    total = (end - start).days + 1
    done = min(max((upto - start).days + 1, 0), total)
    return Decimal(done) / Decimal(total) if total > 0 else Decimal(0)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day where that month is shorter)."""
    import calendar

    month0 = day.year * 12 + day.month - 1 - months
    year, month = divmod(month0, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def whole_months(start: dt.date, upto: dt.date) -> int:
    """Calendar months from `start` complete by `upto` (a month counts from its last day on)."""
    import calendar

    months = (upto.year - start.year) * 12 + upto.month - start.month
    if upto.day == calendar.monthrange(upto.year, upto.month)[1]:
        months += 1
    return max(months, 0)


def ids(organizations):
    """The organizations as a subquery of ids (one statement, however many there are)."""
    return organizations.order_by().values("pk")


def paths_of(organizations) -> dict[int, str]:
    return dict(organizations.order_by().values_list("pk", "path"))


def active_counts(organizations) -> dict[int, int]:
    """Active members of each organization, counted in one query (organizations without any are left out)."""
    return dict(
        Member.objects.filter(organization__in=ids(organizations), status=MemberStatus.ACTIVE)
        .order_by()
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )


def nearest(path: str, rules: dict[str, object], default=None):
    """The value set at the deepest of the paths at or above `path` (rules keyed by path), else the default."""
    best, depth = default, -1
    for rule_path, value in rules.items():
        if path.startswith(rule_path) and len(rule_path) > depth:
            best, depth = value, len(rule_path)
    return best


@cache
def _pattern(name: str, with_pk: bool, prefix: str) -> str:
    return reverse(name, args=[_MARK]) if with_pk else reverse(name)


def url(name: str, pk: int | None = None, **params) -> str:
    """The URL of a page (of the object `pk`), with GET parameters; the pattern is reversed once per name."""
    prefix = get_script_prefix()
    base = _pattern(name, False, prefix) if pk is None else _pattern(name, True, prefix).replace(str(_MARK), str(pk))
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


SKIPPED = Link("", "")


def link(label, name: str, pk: int | None = None, permission: str = "", **params) -> Link:
    """A record or an action of a finding; over a subtree (not `detailed`) none is built: the summary counts."""
    if not _DETAILED.get():
        return SKIPPED
    return Link(str(label), url(name, pk, **params), permission)


def ratio(part, whole) -> Decimal:
    """part ÷ whole to three places (0 when there is no whole)."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def percent(value: Decimal) -> str:
    """A share as the pages write it: 42%."""
    return f"{(Decimal(value) * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def number(value) -> str:
    value = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def member_names(rows, limit: int = NAMES_SHOWN) -> dict[int, list[tuple[int, str]]]:
    """(organization id, member id, name) rows grouped by organization, the first `limit` of each kept."""
    out: dict[int, list[tuple[int, str]]] = {}
    for org_id, member_id, name in rows:
        names = out.setdefault(org_id, [])
        if len(names) < limit:
            names.append((member_id, name))
    return out


_DETAILED = contextvars.ContextVar("diagnosis_detailed", default=True)


def detailed() -> bool:
    """Whether the findings are read one organization at a time (names listed as evidence) or over a subtree (counts
    only: a city's thousands of organizations are ranked without reading every member's name)."""
    return _DETAILED.get()


def set_detailed(value: bool):
    return _DETAILED.set(value)


def reset_detailed(token) -> None:
    _DETAILED.reset(token)


_WORDS: dict[tuple[str | None, str], str] = {}


_LANGUAGE = contextvars.ContextVar("diagnosis_language", default=None)


def set_language(language: str | None):
    """The language of a diagnosis run, read once (asking Django at every word costs more than the word)."""
    return _LANGUAGE.set(language)


def reset_language(token) -> None:
    _LANGUAGE.reset(token)


def tr(message: str) -> str:
    """gettext, remembered per language: a subtree's thousands of findings ask the catalogue for the same words."""
    key = (_LANGUAGE.get() or get_language(), message)
    found = _WORDS.get(key)
    if found is None:
        found = _WORDS[key] = gettext(message)
    return found
