"""Reminders: who is reminded of what and when, once only, by e-mail in their language and by a signed webhook."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language

from grassroots import cli
from grassroots.core import labels, notify
from grassroots.core.models import Notification, WebhookDelivery
from grassroots.duties import services
from grassroots.duties.models import Assignment
from grassroots.duties.reminders import remind
from grassroots.organizations.models import Post
from tests.factories import UserFactory, grant

REMINDER_KINDS = ["duties.starts_soon", "duties.due_soon", "duties.overdue"]
SECRET = "webhook-test-secret"


@pytest.fixture
def v11_officer(county):
    """An officer holding a role exactly on the branch, beside its secretary."""
    return grant(UserFactory(username="v11officer"), county.v11, "officer")


@pytest.fixture
def issued(county, duty_at, v11_officer):
    """A county duty issued to 青山村 and 白石村; each branch's member is its secretary and so responsible."""
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    duty = duty_at(county, days=40, start_on=None)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11, county.v21])
    return duty


@pytest.fixture
def assignment(county, issued):
    return Assignment.objects.get(duty=issued, organization=county.v11)


def reminders(kind=None):
    qs = Notification.objects.filter(kind__in=REMINDER_KINDS)
    return qs.filter(kind=kind) if kind else qs


def recipients(kind):
    return sorted(reminders(kind).values_list("recipient__username", flat=True))


def test_due_soon_reaches_the_responsible_person_and_the_branch_managers_once(county, assignment):
    counts = remind(today=assignment.due_on - dt.timedelta(days=1))
    assert (counts["starts_soon"], counts["due_soon"], counts["overdue"]) == (0, 3, 0)
    # The member (responsible), the branch's secretary and officer; not the county or township officers, and
    # nobody for 白石村, whose responsible member has no account and whose branch has no managers.
    assert recipients("duties.due_soon") == ["member", "secretary", "v11officer"]
    again = remind(today=assignment.due_on - dt.timedelta(days=1))
    assert again["due_soon"] == 0
    tomorrow = remind(today=assignment.due_on)  # still due soon, for the same date: nothing new
    assert tomorrow["due_soon"] == 0
    assert reminders().count() == 3


def test_overdue_is_sent_once_for_a_due_date(county, assignment):
    day_after = assignment.due_on + dt.timedelta(days=1)
    assert remind(today=day_after)["overdue"] == 3
    assert recipients("duties.overdue") == ["member", "secretary", "v11officer"]
    assert remind(today=day_after)["overdue"] == 0
    assert remind(today=day_after + dt.timedelta(days=5))["overdue"] == 0
    assert reminders("duties.overdue").count() == 3


def test_a_moved_due_date_earns_a_fresh_reminder(county, assignment):
    remind(today=assignment.due_on - dt.timedelta(days=1))
    new_due = assignment.due_on + dt.timedelta(days=10)
    request = services.due_date_request(
        actor=county.users.secretary, assignment=assignment, new_due=new_due, reason="秋收农忙"
    )
    services.due_date_decide(actor=county.users.officer, request=request, grant=True)
    assert remind(today=new_due - dt.timedelta(days=1))["due_soon"] == 3
    params = sorted({n.params["due"] for n in reminders("duties.due_soon")})
    assert params == sorted({str(assignment.due_on), str(new_due)})


def test_nothing_is_reminded_of_a_submitted_or_accepted_assignment(county, assignment):
    report = services.report_submit(actor=county.users.secretary, assignment=assignment, text="完成", percent=100)
    assert remind(today=assignment.due_on + dt.timedelta(days=1))["overdue"] == 0  # waiting for review
    services.report_accept(actor=county.users.officer, report=report)
    assert remind(today=assignment.due_on + dt.timedelta(days=1))["overdue"] == 0
    assert not reminders().filter(object_id=str(assignment.pk)).exists()


def test_the_start_is_announced_the_day_before(county, duty_at, v11_officer):
    Post.objects.create(
        member=county.members["C-T1-V1"], organization=county.v11, title="secretary", started_on=dt.date(2021, 1, 1)
    )
    duty = duty_at(county, days=60)
    start = duty.due_on - dt.timedelta(days=20)
    services.duty_update(actor=county.users.officer, duty=duty, start_on=start)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.v11])
    assert remind(today=start - dt.timedelta(days=1))["starts_soon"] == 3
    assert remind(today=start - dt.timedelta(days=1))["starts_soon"] == 0


def _language_aware(english, chinese):
    """A message that reads in the active language, as a compiled catalog would make it read."""
    return lazy(lambda: chinese if (get_language() or "").startswith("zh") else english, str)()


def test_emails_go_out_in_each_recipients_language(
    county, assignment, v11_officer, monkeypatch, django_capture_on_commit_callbacks
):
    # The zh-Hans catalog is not compiled in this checkout; a stand-in message that follows the active
    # language shows in which language each e-mail was rendered.
    monkeypatch.setitem(
        labels._KINDS, "duties.due_soon", _language_aware("%(duty)s is due on %(due)s", "%(duty)s 将于 %(due)s 到期")
    )
    for user, address, language in (
        (county.users.member, "member@example.org", "en"),
        (county.users.secretary, "secretary@example.org", "zh-hans"),
        (v11_officer, "", "en"),  # no address: no e-mail, the in-app notification still stands
    ):
        user.email, user.language = address, language
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        remind(today=assignment.due_on - dt.timedelta(days=1))
    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == ["member@example.org", "secretary@example.org"]
    english, chinese = sent["member@example.org"], sent["secretary@example.org"]
    assert f"is due on {assignment.due_on}" in english.subject and "将于" not in english.body
    assert f"将于 {assignment.due_on} 到期" in chinese.subject and "将于" in chinese.body
    assert f"/assignments/{assignment.pk}/" in chinese.body


def test_emailed_reminders_are_marked_emailed(county, assignment, django_capture_on_commit_callbacks):
    county.users.member.email = "member@example.org"
    county.users.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        remind(today=assignment.due_on - dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    emailed = reminders("duties.due_soon").filter(emailed_at__isnull=False)
    assert list(emailed.values_list("recipient__username", flat=True)) == ["member"]


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers, body))  # a case-insensitive mapping
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    """A webhook endpoint on 127.0.0.1 in a thread of the test, on a free port."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_webhook_carries_a_signed_json_payload(county, assignment, receiver, settings):
    settings.GRASSROOTS_WEBHOOK_URL = f"http://127.0.0.1:{receiver.server_port}/hooks/grassroots"
    settings.GRASSROOTS_WEBHOOK_SECRET = SECRET
    counts = remind(today=assignment.due_on - dt.timedelta(days=1))
    assert counts["webhooks"] == {"sent": 1, "failed": 0}
    [(headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Grassroots-Signature"], expected)
    assert headers["X-Grassroots-Event"] == "duties.due_soon"
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert payload["event"] == "duties.due_soon"
    assert payload["params"]["duty"] == assignment.duty.title and payload["params"]["due"] == str(assignment.due_on)
    assert payload["object"] == {"type": "duties.assignment", "id": str(assignment.pk)}
    assert payload["url"].endswith(f"/assignments/{assignment.pk}/")
    assert sorted(r["username"] for r in payload["recipients"]) == ["member", "secretary", "v11officer"]
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.DELIVERED
    remind(today=assignment.due_on - dt.timedelta(days=1))
    assert len(receiver.received) == 1  # nothing new, nothing sent again


def test_a_failing_endpoint_is_retried_later_and_nothing_is_lost(county, assignment, receiver, settings):
    settings.GRASSROOTS_WEBHOOK_URL = f"http://127.0.0.1:{_closed_port()}/hooks"
    settings.GRASSROOTS_WEBHOOK_SECRET = SECRET
    before = timezone.now()
    counts = remind(today=assignment.due_on - dt.timedelta(days=1))
    assert counts["webhooks"] == {"sent": 0, "failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (WebhookDelivery.State.PENDING, 1)
    assert delivery.next_attempt_at > before and delivery.last_error
    first_retry = delivery.next_attempt_at

    assert notify.deliver_webhooks() == {"sent": 0, "failed": 0}  # not due yet
    notify.deliver_webhooks(now=first_retry)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at > first_retry  # backs off further

    settings.GRASSROOTS_WEBHOOK_URL = f"http://127.0.0.1:{receiver.server_port}/hooks"
    assert notify.deliver_webhooks(now=delivery.next_attempt_at) == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (WebhookDelivery.State.DELIVERED, 3)
    [(headers, body)] = receiver.received
    assert json.loads(body) == json.loads(json.dumps(delivery.payload))
    assert headers["X-Grassroots-Delivery"] == str(delivery.pk)


def test_the_command_line_reminds_and_prints_the_counts(county, assignment, capsys):
    day = (assignment.due_on - dt.timedelta(days=1)).isoformat()
    assert cli.main(["remind", "--date", day]) == 0
    out = capsys.readouterr().out
    assert "due_soon: 3" in out and "overdue: 0" in out and "webhooks delivered: 0, failed: 0" in out
    assert cli.main(["remind", "--date", day]) == 0
    assert "due_soon: 0" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["remind", "--date", "yesterday"])


def test_key_work_overdue_presses_up_the_chain_once_per_step(county, duty_at):
    """Overdue key work is told to the issuing organization too: its responsible person where the duty names one,
    else its managers; the day after the due day, then 7 and 30 days after, once each."""
    officer = county.users.officer
    for member in county.members.values():
        Post.objects.create(
            member=member, organization=member.organization, title="secretary", started_on=dt.date(2021, 1, 1)
        )
    duty = duty_at(county, days=40, start_on=None, is_key=True)
    services.duty_issue(actor=officer, duty=duty, targets=[county.v11, county.v21])
    due = Assignment.objects.filter(duty=duty).first().due_on
    pressed = Notification.objects.filter(kind="duties.key_overdue_above")
    assert remind(today=due)["key_overdue_above"] == 0  # due today: not overdue yet
    assert remind(today=due + dt.timedelta(days=1))["key_overdue_above"] == 2  # two receivers, the county's officer
    assert set(pressed.values_list("recipient__username", flat=True)) == {"officer"}
    assert remind(today=due + dt.timedelta(days=3))["key_overdue_above"] == 0
    assert remind(today=due + dt.timedelta(days=7))["key_overdue_above"] == 2
    assert remind(today=due + dt.timedelta(days=30))["key_overdue_above"] == 2
    assert remind(today=due + dt.timedelta(days=60))["key_overdue_above"] == 0
    # Accepted work presses no more; a plain duty never did.
    Assignment.objects.filter(duty=duty, organization=county.v11).update(state="accepted")
    plain = duty_at(county, days=40, start_on=None, title="普通工作")
    services.duty_issue(actor=officer, duty=plain, targets=[county.v11])
    assert pressed.count() == 6
