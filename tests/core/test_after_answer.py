"""Work left for after a request's answer (a report's formalism check) runs once the answer is sent: not before the
view returns, as the same user action, each piece whatever the one before did; at once outside a request."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from grassroots.core.context import after_answer, current_request_id
from grassroots.core.middleware import RequestContextMiddleware

pytestmark = pytest.mark.django_db  # closing an answer tells Django the request finished (its connections looked at)


def _answer(view, request_id="request-0001"):
    request = RequestFactory().post("/somewhere/", HTTP_X_REQUEST_ID=request_id)
    return RequestContextMiddleware(view)(request)


def test_work_after_the_answer_waits_for_the_answer_to_be_sent():
    done = []

    def view(request):
        after_answer(lambda: done.append(("first", current_request_id())))
        after_answer(lambda: done.append(("second", current_request_id())))
        assert done == []  # not while the view answers
        return HttpResponse("ok")

    response = _answer(view)
    assert done == []  # not before the server has sent the answer
    response.close()  # what the server does once it has
    assert done == [("first", "request-0001"), ("second", "request-0001")]


def test_a_failing_piece_is_logged_and_the_next_one_still_done(caplog):
    done = []

    def view(request):
        after_answer(lambda: 1 / 0)
        after_answer(lambda: done.append("next"))
        return HttpResponse("ok")

    response = _answer(view)
    with caplog.at_level(logging.ERROR, logger="grassroots.core.context"):
        response.close()
    assert done == ["next"]
    assert "work after the answer to request request-0001 failed" in caplog.text


def test_outside_a_request_the_work_is_done_at_once():
    done = []
    after_answer(lambda: done.append("now"))
    assert done == ["now"]


def test_an_answer_without_such_work_is_left_as_it_is():
    response = _answer(lambda request: HttpResponse("ok"))
    assert response._resource_closers == []


def test_a_formalism_check_of_a_record_rolled_back_meanwhile_finds_nothing_to_check(caplog):
    from grassroots.duties.models import ProgressReport
    from grassroots.insights.formalism.services import _guarded, check_report

    gone = ProgressReport(pk=987654321)
    with caplog.at_level(logging.WARNING, logger="grassroots.insights.formalism.services"):
        assert _guarded(check_report, gone) == []
    assert "ProgressReport 987654321: not there to check" in caplog.text
