"""Appeals in the admin are read only (written through the services), and show no requester's phone."""

from django.urls import reverse

from grassroots.core.models import AuditEntry
from grassroots.insights.models import Appeal

from .conftest import PHONE


def test_the_admin_reads_appeals_and_changes_none(appealed, client_for):
    client = client_for(appealed.users.admin)
    audited, rows = AuditEntry.objects.count(), Appeal.objects.count()
    assert client.get(reverse("admin:insights_appeal_changelist")).status_code == 200
    page = client.get(reverse("admin:insights_appeal_change", args=[appealed.new.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert PHONE not in page.content.decode()
    assert client.get(reverse("admin:insights_appeal_add")).status_code == 403
    assert client.post(reverse("admin:insights_appeal_change", args=[appealed.new.pk]), {}).status_code == 403
    assert (
        client.post(reverse("admin:insights_appeal_delete", args=[appealed.new.pk]), {"post": "yes"}).status_code == 403
    )
    assert Appeal.objects.count() == rows and AuditEntry.objects.count() == audited
