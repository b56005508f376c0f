"""The weight of the main pages on a first visit, as a phone on a slow network receives them: the page's HTML as
served (gzipped by the server), its style sheets and scripts gzipped as production serves them (WhiteNoise
compresses them when they are collected) and every image it loads (thumbnails are JPEG: not compressed again).
Each page has a budget (docs/accessibility.md, "Page weight"); going over it fails the test, naming the parts."""

import datetime as dt
import functools
import gzip
import io
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from grassroots.duties import services as duties
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Post
from grassroots.orglife import services as orglife

# Budgets in bytes, first visit (nothing cached), compressed as served. The figures measured are in
# docs/accessibility.md; a budget leaves room for real names and texts, not for another library.
BUDGETS = {
    "start page": 30_000,
    "my work": 30_000,
    "report form": 30_000,
    "review queue (11 reports with a photo each)": 120_000,
    "a meeting (3 photos)": 45_000,
    "public page": 25_000,
}
ASSET = re.compile(r'<(?:link[^>]*rel="(?:stylesheet|icon|preload)"[^>]*href|script[^>]*src|img[^>]*src)="([^"]+)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@functools.cache
def _scene(seed: int) -> Image.Image:
    x0, y0 = -2.0 + (seed % 4) * 0.45, -1.2 + (seed // 4) * 0.5
    return Image.effect_mandelbrot((1200, 900), (x0, y0, x0 + 1.0, y0 + 0.75), 60 + seed * 7).convert("RGB")


def _photo(name: str, seed: int) -> SimpleUploadedFile:
    """A photo-like picture (detail and smooth areas, as a phone's photo of people in a room): 1200×900 JPEG, each
    a different scene (so that no two are flagged as one photo used twice)."""
    picture = _scene(seed)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _static(url: str) -> bytes | None:
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix):
        return None
    found = finders.find(url[len(prefix) :].split("?")[0])
    return open(found, "rb").read() if found else b""  # noqa: SIM115


def weigh(client: Client, url: str) -> dict[str, int]:
    """Bytes a first visit to `url` transfers, by part: the HTML as served, then each asset it loads."""
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, url
    body = response.content
    html = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    parts = {"html": len(body)}
    for src in dict.fromkeys(ASSET.findall(html.decode())):
        src = src.replace("&amp;", "&")
        data = _static(src)
        if data is not None:
            parts[src] = len(gzip.compress(data, 9))
            continue
        asset = client.get(src)
        assert asset.status_code == 200, src
        parts[src] = len(b"".join(asset.streaming_content) if asset.streaming else asset.content)
    return parts


def _duty(county, title: str, days: int):
    officer = county.users.officer
    period = duties.period_for(str(timezone.localdate().year))
    duty_list = duties.duty_list_for(actor=officer, organization=county.county, period=period)
    due = min(max(timezone.localdate() + dt.timedelta(days=days), period.start), period.end)
    return duties.duty_create(
        actor=officer, duty_list=duty_list, title=title, dimension="political", due_on=due, requirement="有照片"
    )


@pytest.fixture
def pages(county, client_for):
    """The small county at work: three duties issued to the four branches, each branch reporting on every one with
    a photo; a meeting of Qingshan with three photos; the minutes level of the public site as it comes."""
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    today = timezone.localdate()
    branches = [county.v11, county.v12, county.v21, county.v22]
    for n in range(3):
        duty = _duty(county, f"乡村振兴主题党日第{n + 1}项", 5 + n)
        duties.duty_issue(actor=county.users.officer, duty=duty, targets=branches)
    to_report = Assignment.objects.filter(organization__in=branches).order_by("id")
    open_one = to_report.filter(organization=county.v11).last()  # left for the report form
    for seed, assignment in enumerate(to_report.exclude(pk=open_one.pk)):
        duties.report_submit(
            actor=county.users.admin,
            assignment=assignment,
            text="开展了主题党日活动，到会党员28人，学习了党章第二章",
            percent=100,
            files=[_photo(f"IMG_{seed}.jpg", seed)],
        )
    meeting = orglife.meeting_record(
        actor=county.users.secretary,
        organization=county.v11,
        kind="general",
        held_on=today - dt.timedelta(days=3),
        topic="学习党章",
        files=[_photo(f"meeting-{i}.jpg", 20 + i) for i in range(3)],
    )
    secretary, officer = client_for(county.users.secretary), client_for(county.users.officer)
    return {
        "start page": (secretary, reverse("home")),
        "my work": (secretary, reverse("duties:my_work")),
        "report form": (secretary, reverse("duties:report", args=[open_one.pk])),
        "review queue (11 reports with a photo each)": (officer, reverse("duties:review")),
        "a meeting (3 photos)": (secretary, reverse("orglife:meeting", args=[meeting.pk])),
        "public page": (Client(), reverse("disclosure:public", args=[county.v11.code])),
    }


def test_the_main_pages_stay_within_their_weight_budgets(pages, capsys):
    over, lines = [], []
    for name, (client, url) in pages.items():
        parts = weigh(client, url)
        total = sum(parts.values())
        images = sum(v for k, v in parts.items() if "thumb" in k)
        lines.append(
            f"{name}: {total / 1000:.1f} kB (HTML {parts['html'] / 1000:.1f} kB, images {images / 1000:.1f} kB)"
        )
        if total > BUDGETS[name]:
            biggest = sorted(parts.items(), key=lambda kv: -kv[1])[:5]
            over.append(f"{name}: {total} bytes > {BUDGETS[name]}: {biggest}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not over, over
    # A listed photo is the small square, a third or less of the thumbnail it replaced.
    client, url = pages["review queue (11 reports with a photo each)"]
    parts = weigh(client, url)
    small = [v for k, v in parts.items() if k.endswith("?size=small")]
    assert len(small) == 11
    big = [len(b"".join(client.get(k.split("?")[0]).streaming_content)) for k in parts if k.endswith("?size=small")]
    with capsys.disabled():
        print(f"the review queue's 11 photos: {sum(small) / 1000:.1f} kB small, {sum(big) / 1000:.1f} kB as 480-px")
    assert sum(small) * 3 < sum(big), (sum(small), sum(big))
