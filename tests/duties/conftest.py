import datetime as dt

import pytest
from django.utils import timezone

from grassroots.duties import services
from grassroots.duties.models import Dimension


@pytest.fixture
def period(db):
    return services.period_for(str(timezone.localdate().year))


@pytest.fixture
def duty_at(period):
    """A factory: a draft duty at an organization, due in `days` days (inside the year where possible)."""

    def make(county, org=None, actor=None, days=30, **fields):
        org = org or county.county
        actor = actor or county.users.officer
        duty_list = services.duty_list_for(actor=actor, organization=org, period=period)
        due = min(max(timezone.localdate() + dt.timedelta(days=days), period.start), period.end)
        defaults = {
            "title": "每月开展一次乡村振兴主题党日",
            "dimension": Dimension.POLITICAL,
            "due_on": due,
            "requirement": "有照片、有签到表",
        }
        defaults.update(fields)
        return services.duty_create(actor=actor, duty_list=duty_list, **defaults)

    return make
