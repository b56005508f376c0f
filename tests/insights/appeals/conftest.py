"""The fixtures of the appeals tests: the small county with appeals to Qingshan's branch (C-T1-V1) and one to
Baishi's (C-T2-V1), built once and kept (tests/shelf.py); the cache cleared before each test (the limits count in
it)."""

import io
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import shelf

PHONE = "13912345678"


def stamp_for(organization, seconds_ago: int = 60) -> str:
    from grassroots.insights.appeals import services

    return services.form_stamp(organization=organization, now=time.time() - seconds_ago)


def submit(organization, *, client="10.0.0.1", **fields):
    """An appeal sent as a person sends it: a form given out a minute ago, the trap left empty."""
    from grassroots.insights.appeals import services

    values = {"kind": "request", "category": "roads", "text": "东路的路灯坏了，晚上看不见路，请修一修。"}
    values.update(fields)
    return services.appeal_submit(organization=organization, client=client, stamp=stamp_for(organization), **values)


def png(width=64, height=48, name="lights.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 20, 90)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def build_appealed(county):
    """Qingshan's branch: one appeal new (with a phone), one answered, one turned into a duty and rated; Baishi's: one
    new."""
    from django.utils import timezone

    from grassroots.insights.appeals import services

    secretary = county.users.secretary
    county.new, county.new_code = submit(county.v11, phone=PHONE)
    county.answered, county.answered_code = submit(county.v11, client="10.0.0.2", text="村口垃圾没人清理。")
    services.appeal_answer(actor=secretary, appeal=county.answered, answer="已安排保洁员每天清理。")
    county.duty, county.duty_code = submit(county.v11, client="10.0.0.3", text="东路路灯坏了三盏，请修理。")
    county.duty = services.appeal_to_duty(
        actor=secretary,
        appeal=county.duty,
        responsible=county.members["C-T1-V1"],
        due_on=timezone.localdate(),
        answer="支部已列为责任事项，由专人负责。",
    )
    services.appeal_rate(appeal=county.duty, rating=5, comment="修好了，谢谢！")
    county.other, county.other_code = submit(county.v21, client="10.0.0.4", phone="13800000000")
    cache.clear()
    return county


appealed = shelf.shelved(
    "appealed",
    build_appealed,
    below="county",
    doc="The county with three appeals to Qingshan's branch (new with a phone, answered, a duty rated 5) and one new "
    "to Baishi's.",
)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()
