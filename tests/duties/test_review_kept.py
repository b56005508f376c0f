"""The review page keeps each report's unchanging part between visits, and never shows it stale or to the wrong reader."""

import pytest
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.duties import services
from grassroots.duties.models import Duty, Evidence, ProgressReport
from grassroots.organizations.models import Organization

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    caches["fragments"].clear()


def _png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 40)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), "image/png")


@pytest.fixture
def submitted(county, duty_at):
    duty = duty_at(county, title="整理党员档案")
    villages = services.resolve_targets(issuer=county.county, mode="kind", kind="branch")
    services.duty_issue(actor=county.users.officer, duty=duty, targets=villages)
    assignment = duty.assignments.get(organization=county.v11)
    return services.report_submit(
        actor=county.users.secretary, assignment=assignment, text="档案已整理完毕", percent=100, files=[_png()]
    )


def _review(client, **headers) -> str:
    response = client.get(reverse("duties:review"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_change_made_elsewhere_shows_at_the_next_visit(county, submitted, client_for):
    """Written past the services (as another process's write looks to this one): the kept part is keyed by what
    it shows, so the page shows the new title, text, organization name and photo description at once."""
    client = client_for(county.users.officer)
    first = _review(client, **ZH)
    assert "整理党员档案" in first and "档案已整理完毕" in first
    assert _review(client, **ZH).count("档案已整理完毕") == first.count("档案已整理完毕")  # kept, the same
    Duty.objects.filter(pk=submitted.assignment.duty_id).update(title="整理并核对党员档案")
    ProgressReport.objects.filter(pk=submitted.pk).update(text="档案已整理，缺两份")
    Organization.objects.filter(pk=county.v11.pk).update(name="青山村第一党支部")
    Evidence.objects.filter(report=submitted).update(description="档案柜照片")
    again = _review(client, **ZH)
    for shown in ("整理并核对党员档案", "档案已整理，缺两份", "青山村第一党支部", "档案柜照片"):
        assert shown in again
    assert "档案已整理完毕" not in again


def test_each_language_keeps_its_own(county, submitted, client_for):
    Organization.objects.filter(pk=county.v11.pk).update(name_en="Qingshan Village Branch")
    client = client_for(county.users.officer)
    assert "Qingshan Village Branch" not in _review(client, **ZH)
    english = _review(client, **EN)
    assert "Qingshan Village Branch" in english and "due " in english
    assert "Qingshan Village Branch" not in _review(client, **ZH)


def test_what_depends_on_the_reader_is_never_kept(county, submitted, client_for):
    """The review forms and their tokens are rendered for each reader; the kept part holds none of them."""
    client = client_for(county.users.officer)
    text = _review(client, **EN)
    assert reverse("duties:report_review", args=[submitted.pk]) in text and 'name="report"' in text
    # The kept part holds no form: every token on the page is this reader's.
    kept = text.split(f'id="review-{submitted.pk}"', 1)[1].split('class="review-actions"', 1)[0]
    assert "csrfmiddlewaretoken" not in kept
    client.logout()
    other = _review(client_for(county.users.admin), **EN)
    assert "档案已整理完毕" in other and reverse("duties:report_review", args=[submitted.pk]) in other
