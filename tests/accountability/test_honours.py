"""Commendations and the red/yellow board: the candidates are the excellent without a veto or an open case, a
commendation is proposed, decided with its document or withdrawn, the refusals say why with nothing written, a board
lists red and yellow in the order of the ranks, the pages read in both languages, and a member's and an
organization's page show their commendations and measures."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from grassroots.accountability import selectors, services
from grassroots.accountability.models import (
    Board,
    BoardColor,
    BoardState,
    Commendation,
    CommendationFile,
    CommendationKind,
    CommendationState,
    Measure,
)
from grassroots.assessment import services as assessment
from grassroots.assessment.models import IndicatorSystem, Result
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import AuditEntry, Notification
from grassroots.core.periods import period_for
from grassroots.core.policy import PermissionDenied
from grassroots.orglife.models import Appraisal, AppraisalResult
from tests import shelf
from tests.assessment.year import END, YEAR
from tests.factories import MemberFactory, UserFactory, grant

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
TODAY = timezone.localdate()
ADVANCED, MEMBER, WORKER = (
    CommendationKind.ADVANCED_ORGANIZATION,
    CommendationKind.EXCELLENT_MEMBER,
    CommendationKind.EXCELLENT_WORKER,
)


def build_honoured(county):
    """The year's assessment published with its grades set: Qingshan (v11) and Liuwan (v12) excellent, Shimen (v22)
    poor, Baishi (v21) vetoed; an open case on Liuwan and its member 刘优秀; the appraisal of the year: 王优秀 of
    Qingshan, 刘优秀 of Liuwan and 白优秀 of Baishi rated excellent, 王合格 qualified."""
    users = county.users
    officer = users.officer
    assessment.run_compute(actor=officer, run=county.run, asof=END)
    assessment.run_publish(actor=officer, run=county.run)
    run = county.run
    grades = {
        county.v11: ("excellent", 95.5, 1, False, ""),
        county.v12: ("excellent", 91.0, 2, False, ""),
        county.v22: ("poor", 52.25, 3, False, ""),
        county.v21: ("poor", 0.0, 4, True, "村支委严重违纪"),
    }
    for org, (grade, score, rank, vetoed, reason) in grades.items():
        Result.objects.filter(run=run, organization=org).update(
            grade=grade, score=score, rank_level=rank, vetoed=vetoed, veto_reason=reason
        )
    period = period_for(str(YEAR))
    county.period = period
    county.wang = MemberFactory(organization=county.v11, name="王优秀")
    county.wang_fair = MemberFactory(organization=county.v11, name="王合格")
    county.liu = MemberFactory(organization=county.v12, name="刘优秀")
    county.bai = MemberFactory(organization=county.v21, name="白优秀")
    for org, rows in (
        (county.v11, [(county.wang, "excellent"), (county.wang_fair, "qualified")]),
        (county.v12, [(county.liu, "excellent")]),
        (county.v21, [(county.bai, "excellent")]),
    ):
        appraisal = Appraisal.objects.create(organization=org, year=YEAR, state="closed", closed_at=timezone.now())
        for member, grade in rows:
            AppraisalResult.objects.create(appraisal=appraisal, member=member, grade=grade, proposed=grade)
    users.t2_officer = grant(UserFactory(username="t2officer"), county.t2, "officer")
    users.wang = UserFactory(username="wang")
    county.wang.user = users.wang
    county.wang.save()
    county.liu_case = services.case_open(
        actor=users.t1_officer,
        organization=county.v12,
        person=county.liu,
        title="重点工作逾期",
        facts="The key work of November was left undone.",
        period=period,
    )
    # A second assessment of the year, on the secretaries' system: opened, not published.
    secretaries = IndicatorSystem.objects.get(code="secretary", owner=county.county)
    county.open_run = assessment.run_create(actor=officer, system=secretaries, period=period, scope=county.county)
    return county


honoured = shelf.shelved("honoured", build_honoured, below="pursued")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(name="决定.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _written():
    return (Commendation.objects.count(), Board.objects.count(), AuditEntry.objects.count())


def _keys(candidates):
    return {(c.kind, c.member.name if c.member else c.organization.code) for c in candidates}


def _page(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the candidates


def test_the_candidates_are_the_excellent_without_a_veto_or_an_open_case(honoured):
    h = honoured
    found = services.commendation_proposals(actor=h.users.officer, organization=h.county, period=h.period)
    secretary = h.members["C-T1-V1"].name  # Qingshan's secretary
    assert _keys(found) == {
        (ADVANCED, "C-T1-V1"),  # Liuwan is excellent too, but a case is open on it
        (MEMBER, "王优秀"),  # 刘优秀 is the person concerned of the open case; 王合格 was rated qualified
        (MEMBER, "白优秀"),  # Baishi's veto is its organization's, not its excellent member's
        (WORKER, secretary),  # Liuwan's secretary leads an organization an open case concerns
    }
    advanced = next(c for c in found if c.kind == ADVANCED)
    assert (advanced.run, advanced.rank, advanced.score) == (h.run, 1, 95.5)
    assert "rank 1" in advanced.grounds() and "95.50" in advanced.grounds()
    # The township sees its own subtree only: no member of Baishi (township 2).
    mine = services.commendation_proposals(actor=h.users.t1_officer, organization=h.t1, period=h.period)
    assert (MEMBER, "白优秀") not in _keys(mine) and (MEMBER, "王优秀") in _keys(mine)
    # One kind at a time; a period without published results has no organization to propose.
    assert _keys(
        services.commendation_proposals(actor=h.users.officer, organization=h.county, period=h.period, kind=MEMBER)
    ) == {
        (MEMBER, "王优秀"),
        (MEMBER, "白优秀"),
    }
    assert not services.commendation_proposals(
        actor=h.users.officer, organization=h.county, period=period_for(str(YEAR - 1))
    )


def test_the_candidates_follow_the_open_cases(honoured):
    h = honoured
    services.case_withdraw(actor=h.users.t1_officer, case=h.liu_case, reason="opened by mistake")
    found = _keys(services.commendation_proposals(actor=h.users.officer, organization=h.county, period=h.period))
    assert {(ADVANCED, "C-T1-V2"), (MEMBER, "刘优秀")} <= found
    services.case_open(actor=h.users.officer, organization=h.v11, title="t", facts="f", period=h.period)
    found = _keys(services.commendation_proposals(actor=h.users.officer, organization=h.county, period=h.period))
    assert (ADVANCED, "C-T1-V1") not in found and (WORKER, h.members["C-T1-V1"].name) not in found
    assert (MEMBER, "王优秀") in found  # the case concerns the branch, not this member


def test_only_those_who_pursue_in_the_organization_see_its_candidates(honoured):
    h = honoured
    for user in (h.users.t2_officer, h.users.secretary, h.users.auditor, h.users.member):
        with pytest.raises(PermissionDenied):
            services.commendation_proposals(actor=user, organization=h.t1, period=h.period)


# ---------------------------------------------------------------- proposed, decided, withdrawn


def test_a_candidate_is_proposed_decided_with_its_document_and_withdrawn(honoured):
    h = honoured
    officer = h.users.officer
    c = services.commendation_propose(
        actor=officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11, citation="堡垒"
    )
    assert (c.state, c.by_hand, c.run, c.rank) == (CommendationState.PROPOSED, False, h.run, 1)
    found = services.commendation_proposals(actor=officer, organization=h.county, period=h.period, kind=ADVANCED)
    assert found[0].commendation == c  # the candidate now carries its commendation
    with pytest.raises(Conflict, match="already proposed"):
        services.commendation_propose(
            actor=officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11
        )
    c = services.commendation_decide(
        actor=officer, commendation=c, reference="青委发〔2026〕3号", decided_on=TODAY, file=_png()
    )
    assert (c.state, c.reference, c.decided_on, c.decided_by) == (
        CommendationState.DECIDED,
        "青委发〔2026〕3号",
        TODAY,
        officer,
    )
    document = CommendationFile.objects.get(commendation=c)
    assert document.original_name == "决定.png" and document.kind == "image"
    # The managers of the organization commended are told.
    assert Notification.objects.filter(kind="accountability.commended", recipient=h.users.secretary).exists()
    actions = list(
        AuditEntry.objects.filter(object_type="accountability.commendation", object_id=str(c.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["accountability.commendation.propose", "accountability.commendation.decide"]
    with pytest.raises(Conflict, match="only a proposed commendation is decided"):
        services.commendation_decide(actor=officer, commendation=c, reference="x", decided_on=TODAY)
    c = services.commendation_withdraw(actor=officer, commendation=c, reason="事后发现材料不实")
    assert (c.state, c.withdrawn_reason) == (CommendationState.WITHDRAWN, "事后发现材料不实")
    # Withdrawn, it stays; the organization may be proposed again.
    again = services.commendation_propose(
        actor=officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11
    )
    assert Commendation.objects.filter(organization=h.v11).count() == 2 and again.state == CommendationState.PROPOSED


def test_members_and_party_workers_are_proposed_from_the_appraisal_and_the_grades(honoured):
    h = honoured
    member = services.commendation_propose(
        actor=h.users.t1_officer, kind=MEMBER, period=h.period, commending=h.t1, member=h.wang
    )
    assert (member.organization, member.appraisal.year, member.by_hand) == (h.v11, YEAR, False)
    assert "democratic appraisal of 2025" in member.grounds()
    secretary = h.members["C-T1-V1"]
    worker = services.commendation_propose(
        actor=h.users.officer, kind=WORKER, period=h.period, commending=h.county, member=secretary
    )
    assert (worker.organization, worker.run, worker.by_hand) == (h.v11, h.run, False)
    assert worker.grounds().startswith("Secretary of")


def test_one_not_among_the_candidates_needs_the_reason_and_is_marked_by_hand(honoured):
    h = honoured
    before = _written()
    with pytest.raises(ValidationError) as refused:
        services.commendation_propose(
            actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v22
        )
    assert "say why you propose it by hand" in str(refused.value.message_dict["reason"])
    with pytest.raises(ValidationError):
        services.commendation_propose(
            actor=h.users.officer, kind=MEMBER, period=h.period, commending=h.county, member=h.wang_fair, reason=" "
        )
    assert _written() == before
    c = services.commendation_propose(
        actor=h.users.officer,
        kind=MEMBER,
        period=h.period,
        commending=h.county,
        member=h.wang_fair,
        reason="抗洪抢险中表现突出",
    )
    assert (c.by_hand, c.proposal_reason, c.appraisal) == (True, "抗洪抢险中表现突出", None)
    assert c.grounds() == "Proposed by hand: 抗洪抢险中表现突出"


def test_a_commendation_of_someone_an_open_case_concerns_is_refused_saying_which(honoured):
    h = honoured
    before = _written()
    with pytest.raises(ValidationError, match="An open case concerns 柳湾村党支部 \\(重点工作逾期\\)"):
        services.commendation_propose(
            actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v12, reason="x"
        )
    with pytest.raises(ValidationError, match="刘优秀 is the person concerned of an open case"):
        services.commendation_propose(
            actor=h.users.officer, kind=MEMBER, period=h.period, commending=h.county, member=h.liu, reason="x"
        )
    assert _written() == before
    # A case opened after the proposal stops the decision.
    c = services.commendation_propose(
        actor=h.users.officer, kind=MEMBER, period=h.period, commending=h.county, member=h.wang
    )
    services.case_open(actor=h.users.t1_officer, organization=h.v11, person=h.wang, title="t", facts="f")
    before = _written()
    with pytest.raises(ValidationError, match="王优秀 is the person concerned of an open case"):
        services.commendation_decide(actor=h.users.officer, commendation=c, reference="1号", decided_on=TODAY)
    assert _written() == before and Commendation.objects.get(pk=c.pk).state == CommendationState.PROPOSED


def test_a_commendation_is_given_from_above_by_those_who_pursue_there(honoured):
    h = honoured
    before = _written()
    with pytest.raises(PermissionDenied):  # township 2's officer does not pursue in township 1
        services.commendation_propose(
            actor=h.users.t2_officer, kind=ADVANCED, period=h.period, commending=h.t1, organization=h.v11
        )
    with pytest.raises(ValidationError, match="above the one commended"):  # township 2 commending township 1's
        services.commendation_propose(
            actor=h.users.t2_officer, kind=ADVANCED, period=h.period, commending=h.t2, organization=h.v11
        )
    with pytest.raises(ValidationError, match="above the one commended"):  # nobody commends itself
        services.commendation_propose(
            actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.v11, organization=h.v11, reason="x"
        )
    with pytest.raises(ValidationError, match="belongs within the commending organization"):
        services.commendation_propose(
            actor=h.users.t2_officer, kind=MEMBER, period=h.period, commending=h.t2, member=h.wang, reason="x"
        )
    for user in (h.users.secretary, h.users.auditor, h.users.member):
        with pytest.raises(PermissionDenied):
            services.commendation_propose(
                actor=user, kind=ADVANCED, period=h.period, commending=h.t1, organization=h.v11
            )
    assert _written() == before


def test_a_decision_names_its_document_and_a_past_date(honoured):
    h = honoured
    c = services.commendation_propose(
        actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11
    )
    before = _written()
    cases = [
        ({"reference": " ", "decided_on": TODAY}, "reference"),
        ({"reference": "1号", "decided_on": None}, "decided_on"),
        ({"reference": "1号", "decided_on": TODAY + dt.timedelta(days=1)}, "decided_on"),
        ({"reference": "1号", "decided_on": TODAY, "file": SimpleUploadedFile("x.exe", b"MZ")}, "file"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.commendation_decide(actor=h.users.officer, commendation=c, **kwargs)
        assert field in refused.value.message_dict, kwargs
    with pytest.raises(PermissionDenied):
        services.commendation_decide(actor=h.users.t1_officer, commendation=c, reference="1号", decided_on=TODAY)
    with pytest.raises(ValidationError, match="Give the reason"):
        services.commendation_withdraw(actor=h.users.officer, commendation=c, reason="")
    assert _written() == before
    assert not CommendationFile.objects.exists()


# ---------------------------------------------------------------- the red/yellow board


def test_a_board_lists_red_and_yellow_in_the_order_of_the_ranks_with_the_reasons(honoured):
    h = honoured
    board = services.board_publish(actor=h.users.officer, run=h.run)
    assert (board.state, board.published_by, board.ranked) == (BoardState.PUBLISHED, h.users.officer, 4)
    red, yellow = selectors.board_entries(board)
    assert [(e.organization, e.rank, e.score) for e in red] == [(h.v11, 1, 95.5), (h.v12, 2, 91.0)]
    assert [(e.organization, e.rank) for e in yellow] == [(h.v22, 3), (h.v21, 4)]
    shimen, baishi = yellow
    assert baishi.veto_reason == "村支委严重违纪" and baishi.losses == []
    # Shimen's reason: the indicators that cost it most, the biggest first, at most three.
    assert 1 <= len(shimen.losses) <= 3 and shimen.veto_reason == ""
    points = [loss["points"] for loss in shimen.losses]
    assert points == sorted(points, reverse=True) and all(p > 0 for p in points)
    assert shimen.losses[0]["name_en"] in shimen.losses_text  # in the reader's language
    with translation.override("zh-hans"):
        assert shimen.losses[0]["name"] in selectors.board_entries(board)[1][0].losses_text
    assert {e.color for e in red} == {BoardColor.RED}
    entry = AuditEntry.objects.get(action="accountability.board.publish")
    assert (entry.after["red"], entry.after["yellow"]) == (2, 2)
    # Kept as published: the run's results changing afterwards do not change the board.
    Result.objects.filter(run=h.run, organization=h.v12).update(grade="good")
    assert len(selectors.board_entries(board)[0]) == 2


def test_a_board_is_refused_for_an_unpublished_assessment_and_once_published(honoured):
    h = honoured
    before = _written()
    with pytest.raises(Conflict, match="are not published \\(it is Open\\): a red/yellow board is made from published"):
        services.board_publish(actor=h.users.officer, run=h.open_run)
    with pytest.raises(PermissionDenied):
        services.board_publish(actor=h.users.t1_officer, run=h.run)  # the county's assessment
    assert _written() == before
    board = services.board_publish(actor=h.users.officer, run=h.run)
    with pytest.raises(Conflict, match="already has a published board"):
        services.board_publish(actor=h.users.officer, run=h.run)
    with pytest.raises(ValidationError):
        services.board_withdraw(actor=h.users.officer, board=board, reason="")
    board = services.board_withdraw(actor=h.users.officer, board=board, reason="成绩复核后重新发布")
    assert (board.state, board.withdrawn_reason) == (BoardState.WITHDRAWN, "成绩复核后重新发布")
    with pytest.raises(Conflict):
        services.board_withdraw(actor=h.users.officer, board=board, reason="again")
    assert services.board_publish(actor=h.users.officer, run=h.run).state == BoardState.PUBLISHED


def test_a_board_is_read_in_the_whole_of_its_scope(honoured):
    h = honoured
    board = services.board_publish(actor=h.users.officer, run=h.run)
    readers = {
        "officer": True,
        "t1_officer": True,  # township 1 lies in the county
        "t2_officer": True,
        "secretary": True,
        "member": True,  # a member of Qingshan's branch, in the county
        "auditor": True,
        "outsider": False,
    }
    for name, reads in readers.items():
        user = getattr(h.users, name)
        assert selectors.board_list(user=user).filter(pk=board.pk).exists() == reads, name


# ---------------------------------------------------------------- the pages


def test_every_page_renders_in_english_and_chinese(honoured, client_for):
    h = honoured
    c = services.commendation_propose(
        actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11
    )
    board = services.board_publish(actor=h.users.officer, run=h.run)
    client = client_for(h.users.officer)
    candidates = f"{reverse('accountability:commendation_proposals')}?organization=C&period={YEAR}"
    pages = {
        reverse("accountability:commendations"): ("Commendations", "表彰"),
        candidates: ("Candidates for commendation", "表彰候选"),
        reverse("accountability:commendation_new"): ("Propose a commendation by hand", "另行提名表彰"),
        reverse("accountability:commendation", args=[c.pk]): ("Record the decision", "登记表彰决定"),
        reverse("accountability:boards"): ("Red/yellow boards", "红黄榜"),
        reverse("accountability:board", args=[board.pk]): ("Yellow board", "黄榜"),
    }
    for url, (english, chinese) in pages.items():
        en, zh = client.get(url, **EN), client.get(url, **ZH)
        assert en.status_code == zh.status_code == 200, url
        assert english in _page(en) and english not in _page(zh), url
        assert chinese in _page(zh), url
    zh = _page(client.get(reverse("accountability:board", args=[board.pk]), **ZH))
    assert "村支委严重违纪" in zh and "红榜" in zh and "青山村党支部" in zh
    assert "先进基层党组织" in _page(client.get(candidates, **ZH))


def test_the_board_page_reads_as_a_phone_shows_it_red_first_by_rank(honoured, client_for):
    h = honoured
    board = services.board_publish(actor=h.users.officer, run=h.run)
    page = _page(client_for(h.users.member).get(reverse("accountability:board", args=[board.pk]), **EN))
    order = [page.index(name) for name in ("青山村党支部", "柳湾村党支部", "石门村党支部", "白石村党支部")]
    assert order == sorted(order)
    assert "Withdraw the board" not in page  # a member reads it, nothing more
    public = page[page.index('<article class="board"') : page.index("</article>")]
    assert "<form" not in public and "csrf" not in public  # the board's own part is fit for the public pages
    assert client_for(h.users.outsider).get(reverse("accountability:board", args=[board.pk])).status_code == 404


def test_a_candidate_is_proposed_and_decided_on_the_pages(honoured, client_for):
    h = honoured
    client = client_for(h.users.t1_officer)
    url = reverse("accountability:commendation_proposals")
    query = {"organization_code": "C-T1", "period": str(YEAR), "kind": MEMBER}
    posted = client.post(url, {**query, "organization": h.v11.pk, "member": h.wang.pk, "citation": "模范"}, **EN)
    assert posted.status_code == 302
    c = Commendation.objects.get(member=h.wang)
    assert (c.commending, c.citation, c.by_hand) == (h.t1, "模范", False)
    # Liuwan's 刘优秀: a case is open; posted all the same, refused with the reason on the page.
    before = _written()
    refused = client.post(url, {**query, "organization": h.v12.pk, "member": h.liu.pk}, **EN)
    assert refused.status_code == 400 and "is the person concerned of an open case" in _page(refused)
    assert _written() == before
    step = reverse("accountability:commendation_step", args=[c.pk, "decide"])
    bad = client.post(step, {"reference": "", "decided_on": TODAY.isoformat()}, **EN)
    assert bad.status_code == 400 and Commendation.objects.get(pk=c.pk).state == CommendationState.PROPOSED
    done = client.post(step, {"reference": "新委发〔2026〕8号", "decided_on": TODAY.isoformat(), "file": _png()}, **EN)
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.state == CommendationState.DECIDED
    page = _page(client.get(reverse("accountability:commendation", args=[c.pk]), **EN))
    assert "新委发〔2026〕8号" in page and "决定.png" in page
    document = c.document
    served = client.get(document.url)
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    # The member commended reads their own commendation and its document; an outsider does not.
    assert client_for(h.users.wang).get(document.url).status_code == 200
    assert client_for(h.users.outsider).get(reverse("accountability:commendation", args=[c.pk])).status_code == 404


def test_a_proposal_is_read_by_those_who_read_cases_a_decision_by_those_who_view(honoured, client_for):
    h = honoured
    c = services.commendation_propose(
        actor=h.users.officer, kind=MEMBER, period=h.period, commending=h.county, member=h.wang
    )
    url = reverse("accountability:commendation", args=[c.pk])
    status = {
        name: client_for(getattr(h.users, name)).get(url).status_code for name in ("auditor", "secretary", "t2_officer")
    }
    assert status == {"auditor": 200, "secretary": 404, "t2_officer": 404}
    services.commendation_decide(actor=h.users.officer, commendation=c, reference="1号", decided_on=TODAY)
    assert client_for(h.users.secretary).get(url).status_code == 200
    assert client_for(h.users.member).get(url).status_code == 200  # a member of the same branch
    assert client_for(h.users.t2_officer).get(url).status_code == 404


def test_a_board_is_published_and_withdrawn_on_the_pages(honoured, client_for):
    h = honoured
    client = client_for(h.users.officer)
    page = _page(client.get(reverse("accountability:boards"), **EN))
    assert f'value="{h.run.pk}"' in page and f'value="{h.open_run.pk}"' not in page  # only published runs offered
    before = _written()
    refused = client.post(reverse("accountability:board_publish"), {"run": h.open_run.pk}, follow=True, **EN)
    assert "Select a valid choice" in _page(refused) and _written() == before
    done = client.post(reverse("accountability:board_publish"), {"run": h.run.pk}, **EN)
    board = Board.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("accountability:board", args=[board.pk])
    withdraw = reverse("accountability:board_withdraw", args=[board.pk])
    assert client.post(withdraw, {"reason": ""}, **EN).status_code == 400
    assert client.post(withdraw, {"reason": "重新核分"}, **EN).status_code == 302
    assert Board.objects.get().state == BoardState.WITHDRAWN
    assert client_for(h.users.t1_officer).post(withdraw, {"reason": "x"}).status_code == 400  # not theirs
    assert Board.objects.get().withdrawn_reason == "重新核分"


def test_a_members_page_shows_their_commendations_and_the_measures_decided(honoured, client_for):
    h = honoured
    c = services.commendation_propose(
        actor=h.users.officer, kind=MEMBER, period=h.period, commending=h.county, member=h.wang
    )
    services.commendation_decide(actor=h.users.officer, commendation=c, reference="青委发〔2026〕5号", decided_on=TODAY)
    services.case_withdraw(actor=h.users.t1_officer, case=h.liu_case, reason="mistake")
    case = services.case_open(
        actor=h.users.t1_officer, organization=h.v11, person=h.wang, title="学习记录不实", facts="f", period=h.period
    )
    services.case_decide(actor=h.users.t1_officer, case=case, measure=Measure.REMINDER_TALK)
    url = reverse("organizations:member", args=[h.wang.pk])
    officer = _page(client_for(h.users.t1_officer).get(url, **EN))
    assert "Commendations and measures" in officer and "青委发〔2026〕5号" in officer
    assert "学习记录不实" in officer and "Reminder talk" in officer
    own = _page(client_for(h.users.wang).get(url, **ZH))
    assert "表彰和问责" in own and "优秀共产党员" in own and "学习记录不实" in own  # the member reads their own
    colleague = _page(client_for(h.users.member).get(url, **EN))
    assert "青委发〔2026〕5号" in colleague and "学习记录不实" not in colleague  # no measure for a branch member
    assert "Measures of accountability" not in colleague
    org = _page(client_for(h.users.t1_officer).get(reverse("organizations:detail", args=[h.v11.pk]), **EN))
    assert (
        "Commendations and measures" in org and "No commendation recorded." in org
    )  # the member's is not the branch's


# ---------------------------------------------------------------- the API


def test_the_api_proposes_decides_and_withdraws(honoured, client_for):
    h = honoured
    api = client_for(h.users.officer)
    listed = api.get("/api/commendations/candidates/", {"organization": "C", "period": str(YEAR), "kind": ADVANCED})
    assert listed.status_code == 200 and [c["organization"] for c in listed.json()] == ["C-T1-V1"]
    made = api.post(
        "/api/commendations/",
        {"kind": ADVANCED, "period": str(YEAR), "commending": "C", "organization": "C-T1-V1"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["state"] == "proposed" and made.json()["rank"] == 1
    refused = api.post(
        "/api/commendations/",
        {"kind": ADVANCED, "period": str(YEAR), "commending": "C", "organization": "C-T2-V2"},
        content_type="application/json",
        **EN,
    )
    assert refused.status_code == 400 and "reason" in refused.json()
    decided = api.post(
        f"/api/commendations/{pk}/decide/", {"reference": "1号", "decided_on": TODAY.isoformat(), "file": _png()}
    )
    assert decided.status_code == 200 and decided.json()["document"].startswith("/commendations/files/")
    again = api.post(
        f"/api/commendations/{pk}/decide/",
        {"reference": "2号", "decided_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 409
    gone = api.post(f"/api/commendations/{pk}/withdraw/", {"reason": "撤销"}, content_type="application/json")
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    outsider = client_for(h.users.t2_officer)
    assert outsider.get(f"/api/commendations/{pk}/").status_code == 404
    assert (
        outsider.get("/api/commendations/candidates/", {"organization": "C-T1", "period": str(YEAR)}).status_code == 404
    )
    secretary = client_for(h.users.secretary)  # sees the branch, does not commend there
    assert (
        secretary.get("/api/commendations/candidates/", {"organization": "C-T1-V1", "period": str(YEAR)}).status_code
        == 403
    )


def test_the_api_publishes_reads_and_withdraws_boards(honoured, client_for):
    h = honoured
    api = client_for(h.users.officer)
    refused = api.post("/api/boards/publish/", {"run": h.open_run.pk}, content_type="application/json", **ZH)
    assert refused.status_code == 409 and "红黄榜" in refused.json()["detail"]
    made = api.post("/api/boards/publish/", {"run": h.run.pk}, content_type="application/json")
    assert made.status_code == 201
    board = made.json()
    assert [e["organization"] for e in board["red"]] == ["C-T1-V1", "C-T1-V2"]
    assert [e["organization"] for e in board["yellow"]] == ["C-T2-V2", "C-T2-V1"]
    assert board["yellow"][1]["veto_reason"] == "村支委严重违纪"
    member = client_for(h.users.member)
    assert member.get(f"/api/boards/{board['id']}/").status_code == 200
    assert (
        member.post(
            f"/api/boards/{board['id']}/withdraw/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client_for(h.users.outsider).get(f"/api/boards/{board['id']}/").status_code == 404
    api = client_for(h.users.officer)  # (one test client: logged in again)
    done = api.post(f"/api/boards/{board['id']}/withdraw/", {"reason": "复核"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"


def test_a_commendation_is_proposed_by_hand_on_its_page(honoured, client_for):
    h = honoured
    client = client_for(h.users.officer)
    url = reverse("accountability:commendation_new")
    base = {"commending": "C", "kind": MEMBER, "period": str(YEAR), "organization": "C-T1-V1"}
    listed = client.post(url, {**base, "step": "members"}, **EN)
    assert listed.status_code == 200 and f'value="{h.wang_fair.pk}"' in _page(listed)  # its members to choose
    before = _written()
    refused = client.post(url, {**base, "member": h.wang_fair.pk}, **EN)
    assert refused.status_code == 400 and "say why you propose it by hand" in _page(refused)
    assert _written() == before
    done = client.post(url, {**base, "member": h.wang_fair.pk, "reason": "抗洪抢险中表现突出"}, **EN)
    c = Commendation.objects.get(member=h.wang_fair)
    assert done.status_code == 302 and done["Location"] == reverse("accountability:commendation", args=[c.pk])
    assert c.by_hand and c.commending == h.county
    outside = client_for(h.users.t2_officer).post(url, {**base, "commending": "C-T1", "member": h.wang.pk}, **EN)
    assert outside.status_code == 400 and "No organization with this code where you commend." in _page(outside)


def test_the_candidates_page_is_for_those_who_commend(honoured, client_for):
    h = honoured
    url = reverse("accountability:commendation_proposals")
    assert client_for(h.users.secretary).get(url).status_code == 403
    assert client_for(h.users.member).get(url).status_code == 403
    other = client_for(h.users.t2_officer).get(url, {"organization": "C-T1", "period": str(YEAR)}, **EN)
    assert other.status_code == 400 and "No organization with this code where you commend." in _page(other)
    bad = client_for(h.users.officer).get(url, {"organization": "C", "period": "2025-Q9"}, **EN)
    assert bad.status_code == 400 and "This is not a period" in _page(bad)


def test_an_organizations_page_shows_its_commendations_and_measures(honoured, client_for):
    h = honoured
    c = services.commendation_propose(
        actor=h.users.officer, kind=ADVANCED, period=h.period, commending=h.county, organization=h.v11
    )
    services.commendation_decide(actor=h.users.officer, commendation=c, reference="青委发〔2026〕1号", decided_on=TODAY)
    services.case_decide(actor=h.users.t1_officer, case=h.liu_case, measure=Measure.REMINDER_TALK)
    qingshan = _page(client_for(h.users.member).get(reverse("organizations:detail", args=[h.v11.pk]), **ZH))
    assert "先进基层党组织" in qingshan and "青委发〔2026〕1号" in qingshan
    liuwan = reverse("organizations:detail", args=[h.v12.pk])
    assert "重点工作逾期" in _page(client_for(h.users.t1_officer).get(liuwan, **EN))
    assert "重点工作逾期" not in _page(
        client_for(h.users.officer).get(reverse("organizations:detail", args=[h.v11.pk]))
    )
