"""Scene 13 in the demo: the street lights on the east road, turned into a duty with a responsible member and a date,
followed by the villager's code and rated; beside it an answer rated low, an appeal closed, one unread, one overdue."""

import io

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from grassroots.core.audit import verify
from grassroots.demo import build_demo
from grassroots.demo.year.appeals import STREET_LIGHTS_CODE
from grassroots.insights.models import Appeal, AppealState
from grassroots.organizations.models import Organization
from tests.factories import seed_default_rules


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        seed_default_rules()
        out = io.StringIO()
        counts = build_demo(scale="tiny", seed=1, stdout=out)
        counts["output"] = out.getvalue()
        yield counts
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_has_the_scene_of_the_street_lights(demo, client):
    assert demo["appeals"] == 5 and STREET_LIGHTS_CODE in demo["output"]
    qingshan = Organization.objects.get(name="青山村党支部")
    url = reverse("insights:appeal_follow", args=[qingshan.code, STREET_LIGHTS_CODE])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "13907310523" not in page  # the requester's phone, never on a public page
    assert "责任事项进度" in page and "60%" in page and "5 分" in page
    lights = Appeal.objects.get(organization=qingshan, text__contains="路灯")
    assert lights.state == AppealState.IN_DUTY and lights.assignment.responsible is not None
    assert lights.rating == 5 and 20 < lights.response_hours < 50
    states = set(Appeal.objects.values_list("state", flat=True))
    assert states == {AppealState.IN_DUTY, AppealState.ANSWERED, AppealState.CLOSED, AppealState.NEW}
    assert any(a.is_overdue() for a in Appeal.objects.all())
    assert verify().ok


@pytest.mark.django_db
def test_the_demo_secretary_sees_the_appeals_and_was_notified(demo, client):
    from grassroots.core.models import Notification, User

    secretary = User.objects.get(username="secretary")
    assert Notification.objects.filter(recipient=secretary, kind="insights.appeal.new").count() == 4
    client.force_login(secretary)
    page = client.get(reverse("insights:appeals"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "东路上的路灯" in page and "13907310523" not in page
