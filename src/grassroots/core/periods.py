"""Periods by their codes: 2026, 2026-H1, 2026-Q3, 2026-07, made on first use."""

import calendar
import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import ValidationError
from .models import Period, PeriodKind

_PERIOD_CODE = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


def period_for(code: str) -> Period:
    """The period with this code, made on first use: 2026, 2026-H1, 2026-Q3, 2026-07."""
    code = code.strip().upper()
    match = _PERIOD_CODE.match(code)
    if not match:
        raise ValidationError(_("%(code)s is not a period; write 2026, 2026-H1, 2026-Q3 or 2026-07.") % {"code": code})
    year, part = int(match.group(1)), match.group(2)
    if not 1900 <= year <= 2999:
        raise ValidationError(_("%(code)s is not a period; write 2026, 2026-H1, 2026-Q3 or 2026-07.") % {"code": code})
    if part is None:
        kind, start, end = PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31)
    elif part.startswith("Q"):
        q = int(part[1])
        kind, start = PeriodKind.QUARTER, dt.date(year, 3 * q - 2, 1)
        end = dt.date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
    elif part.startswith("H"):
        h = int(part[1])
        kind, start = PeriodKind.HALF, dt.date(year, 6 * h - 5, 1)
        end = dt.date(year, 6 * h, 30 if h == 1 else 31)
    else:
        month = int(part)
        if not 1 <= month <= 12:
            raise ValidationError(_("%(code)s is not a period.") % {"code": code})
        kind, start = PeriodKind.MONTH, dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
    period, _created = Period.objects.get_or_create(code=code, defaults={"kind": kind, "start": start, "end": end})
    return period


def next_code(period: Period) -> str:
    """The code of the period of the same kind just after `period` (2026 → 2027, 2026-Q4 → 2027-Q1)."""
    day = period.end + dt.timedelta(days=1)
    if period.kind == PeriodKind.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period.kind == PeriodKind.HALF:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    if period.kind == PeriodKind.MONTH:
        return f"{day.year}-{day.month:02d}"
    return str(day.year)
