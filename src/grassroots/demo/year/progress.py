"""The progress of the year's assignments: states, reports, photos, and the scenes on duties."""

import datetime as dt
import io

import numpy as np
from django.db.models import Q

from grassroots.core.errors import ValidationError
from grassroots.duties.models import Assignment, Claim, DueDateRequest, Duty, Evidence, ProgressReport
from grassroots.organizations.models import Member, Organization
from grassroots.orglife.models import PointEntry

from ..bulk import insert_rows, next_pk, update_rows
from .base import EXCELLENT, _aware, _clamp, _cn_date
from .orglife import _THEME_TOPICS

_REPORT_TEXT = {
    "theme_day": "{d}开展主题党日活动，主题为“{topic}”。应到党员{n}人，实到{k}人；学习了有关文件精神，"
    "议定了近期村里的重点工作，会后开展了志愿服务。",
    "training": "{d}完成党员冬训，集中培训3天，参训党员{k}人，外出务工党员{m}人通过网络补学。",
    "appraisal": "{d}召开组织生活会，开展民主评议党员，参评党员{k}人，评议结果已报镇党委备案。",
    "review": "{d}完成对所属支部的工作检查，共检查支部{k}个，发现问题{m}个，已全部建立整改台账。",
    "rules": "本年度村级重大事项{m}件均按“四议两公开”程序决策，决议和实施结果已在公开栏公示。",
    "clean": "村务、财务、党务已按季度公开，小微权力清单和运行流程图已上墙，村务监督委员会全程参与监督。",
    "rectify": "整顿方案已落实，班子调整到位，县乡领导联村包村，整改问题{m}个，申请验收销号。",
    "visits": "全村{k}名党员联系农户{m}户，收集问题{q}个，已办结{r}个，其余限时办理。",
    "recruit": "培养入党积极分子{m}名，均为35岁以下，已按程序开展培养考察，支委会会议记录已归档。",
    "economy": "村集体经济经营性收入{v}万元，比上年增长{g}%，光伏和土地流转项目运行正常。",
    "info": "已完成{k}名党员信息核对，更新联系方式{m}条，排查失联党员{q}名并已取得联系。",
    "activity": "{d}开展“学党章、守党纪”主题党日，参加党员{k}人，观看了警示教育片，开展了廉政谈话。",
    "claim": "志愿服务队{k}名党员参加，帮助{m}户高龄独居老人抢收晚稻，群众反映良好。",
}
_RETURN_REASONS = (
    "缺少签到表，请补充上传。",
    "照片与活动内容不符，请上传活动现场照片。",
    "报送内容过于简单，请写明参加人数、活动内容和成效。",
    "附件无法打开，请重新上传。",
    "台账不完整，请补充问题办结情况。",
)
_REUSED_REASON = "有一张照片与{other}上月报送的照片相同，请上传本次活动的现场照片后重新报送。"

_TOWNSHIP_NOTE = "请上传活动现场照片3张以上和党员签到表，照片须能看清活动横幅和参会党员。"

_REPORT_FIELDS = (
    "id",
    "assignment",
    "author",
    "text",
    "percent",
    "state",
    "reviewer",
    "reviewed_at",
    "return_reason",
    "created_at",
    "updated_at",
)

# ---------------------------------------------------------------------------------------------------------
# Photos: small JPEGs of an outdoor activity, each drawn from its own seed so perceptual hashes differ.


def photo(seed: int, size=(400, 300)) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng([seed, 99])
    w, h = size
    sky = np.array(rng.integers(120, 230, 3))
    ground = np.array(rng.integers(40, 140, 3))
    horizon = int(rng.integers(h // 4, h * 2 // 3))
    rows = np.linspace(0, 1, h)[:, None]
    top = sky[None, :] * (1 - 0.4 * rows) + 20
    bottom = ground[None, :] * (0.7 + 0.5 * rows)
    column = np.where(np.arange(h)[:, None] < horizon, top, bottom)
    pixels = np.repeat(column[:, None, :], w, axis=1)
    pixels += rng.normal(0, 10, (h, w, 1))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _i in range(int(rng.integers(2, 6))):  # buildings and trees
        x0 = int(rng.integers(-40, w))
        bw = int(rng.integers(30, 140))
        bh = int(rng.integers(30, horizon + 10))
        draw.rectangle([x0, horizon - bh, x0 + bw, horizon + 5], fill=tuple(int(c) for c in rng.integers(60, 240, 3)))
    bx, by = int(rng.integers(10, w // 3)), int(rng.integers(10, max(12, horizon - 40)))
    bw = int(rng.integers(w // 3, w - bx - 5))
    draw.rectangle([bx, by, bx + bw, by + 28], fill=(200, 20, 30))  # the red banner
    for k in range(int(rng.integers(6, 14))):
        cx = bx + 8 + k * (bw - 16) // 14
        draw.rectangle([cx, by + 8, cx + 9, by + 20], fill=(250, 235, 160))
    for _i in range(int(rng.integers(5, 16))):  # people
        px = int(rng.integers(0, w))
        py = int(rng.integers(horizon, h - 10))
        s = 0.5 + (py - horizon) / max(1, h - horizon)
        body = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse([px, py - int(40 * s), px + int(14 * s), py - int(26 * s)], fill=(60, 40, 30))
        draw.rectangle([px - int(3 * s), py - int(26 * s), px + int(17 * s), py + int(10 * s)], fill=body)
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=72)
    return out.getvalue()


def resized(data: bytes) -> bytes:
    """The same photo, scaled down and saved again: another file, a near-identical perceptual hash."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        small = image.resize((image.width * 3 // 4, image.height * 3 // 4))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=60)
        return out.getvalue()


class _Upload(io.BytesIO):
    """A file as an upload looks to check_upload: a name, a size, read()."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _evidence_rows(report_id: int, assignment_id: int, files) -> list[Evidence]:
    """Evidence of a report stored as services.report_submit stores it (checked, hashed, thumbnail)."""
    from grassroots.core.uploads import check_upload

    return [
        Evidence(report_id=report_id, assignment_id=assignment_id).attach(check_upload(_Upload(data, name)))
        for data, name in files
    ]


class _A:
    """An assignment as _progress needs it (model instances by the ten thousand cost seconds)."""

    __slots__ = ("pk", "duty_id", "organization_id", "due_on", "start_on", "weighty")

    def __init__(self, pk, duty_id, organization_id, due_on, start_on, is_key, is_major):
        self.pk, self.duty_id, self.organization_id = pk, duty_id, organization_id
        self.due_on, self.start_on, self.weighty = due_on, start_on, bool(is_key or is_major)


class _ProgressYear:
    """Every assignment's state and reports; the scenes of the township, the secretary and the claims."""

    def _fate(self, tier: int, spots, due: dt.date, start: dt.date | None, weighty: bool) -> tuple:
        """(state, percent, accepted_on, returned_first, submitted_on) of an assignment with this due date."""
        r, ri, today = self.r, self.ri, self.today
        started = start or (due - dt.timedelta(days=30))
        if due < today:
            accept = (self.ACCEPT_KEY if weighty else self.ACCEPT)[tier]
            if weighty and "key" in spots:
                accept = self.SPOT_KEY
            if r.random() < accept:
                # (a weak spot makes it at least this bad; a poor level may be worse of itself)
                returned = r.random() < max(self.SPOT_RETURNED * ("returned" in spots), self.RETURNED[tier])
                late = max(self.SPOT_LATE * ("late" in spots), self.LATE[tier])
                if r.random() < late and (today - due).days > 2:
                    accepted = due + dt.timedelta(days=ri(1, min(30, (today - due).days)))
                else:
                    accepted = due - dt.timedelta(days=ri(0, 12))
                accepted = min(max(accepted, started + dt.timedelta(days=1)), today)
                submitted = accepted - dt.timedelta(days=ri(0, 4))
                if returned:
                    submitted = max(started, submitted - dt.timedelta(days=5))
                return "accepted", 100, accepted, returned, min(submitted, today)
            overdue = (today - due).days
            accepted = due + dt.timedelta(days=ri(15, max(16, min(overdue, 90))))
            done_late = (self.DONE_LATE_KEY if weighty else self.DONE_LATE)[tier]
            if overdue > 40 and r.random() < done_late and accepted.year == due.year:
                # Done at last, well after the deadline (the year-end assessment pushes it before December ends).
                return "accepted", 100, accepted, r.random() < 0.3, accepted - dt.timedelta(days=2)
            state = r.choices(("in_progress", "submitted", "returned", "issued"), (0.5, 0.25, 0.15, 0.1))[0]
            percent = {"in_progress": ri(20, 80), "submitted": 100, "returned": 90, "issued": 0}[state]
            return state, percent, None, state == "returned", min(due + dt.timedelta(days=3), today)
        if started > today:
            return "issued", 0, None, False, None
        soon = (due - today).days <= 3
        weights = (0.35, 0.25, 0.25, 0.15) if soon else (0.08, 0.07, 0.4, 0.45)
        state = r.choices(("accepted", "submitted", "in_progress", "issued"), weights)[0]
        if state == "accepted":
            accepted = min(max(today - dt.timedelta(days=ri(0, 5)), started), today)
            return "accepted", 100, accepted, False, accepted
        percent = {"submitted": 100, "in_progress": ri(10, 80), "issued": 0}[state]
        return state, percent, None, False, max(started, today - dt.timedelta(days=ri(0, 3)))

    def _progress(self) -> None:
        """Every assignment of both years gets its state and reports; photos for 新街镇 and 青山村."""
        c, r, ri, today = self.c, self.r, self.ri, self.today
        assignments = [
            _A(*row)
            for row in Assignment.objects.filter(duty__in=list(self.duty_key))
            .order_by("due_on", "organization_id", "id")
            .values_list("id", "duty_id", "organization_id", "due_on", "start_on", "duty__is_key", "duty__is_major")
        ]
        story, late = self._story_and_late(assignments)
        first_of_month = today.replace(day=1)
        updates, reports, self.with_photos = [], [], []
        next_report = next_pk(ProgressReport)
        li, county = self.users["secretary"].pk, self.users["county"].pk
        for a in assignments:
            if a.pk in story:
                continue
            key, year = self.duty_key[a.duty_id], self.duty_year[a.duty_id]
            state, percent, accepted, returned, submitted = self._state_of(a, key, year, late)
            accepted_at = self.stamp(accepted, 16, ri(0, 59)) if accepted else None
            version = 1 + (state != "issued") + (2 if returned else 0) + (state == "accepted")
            updates.append((state, percent, accepted, accepted_at, version, a.pk))
            if state in ("issued", "in_progress"):
                continue
            author = li if a.organization_id == self.village.pk else None
            text = self._text(key, a, submitted, percent)
            if returned:
                first = max(submitted - dt.timedelta(days=ri(2, 8)), a.start_on or submitted)
                reviewed = min(first + dt.timedelta(days=1), today)
                reports.append(
                    (next_report, a.pk, author, text, percent, "returned", county, self.stamp(reviewed, 10))
                    + (r.choice(_RETURN_REASONS), self.stamp(first, 18), self.stamp(reviewed, 10))
                )
                next_report += 1
            if state == "returned":
                continue
            if state == "accepted":
                reports.append(
                    (next_report, a.pk, author, text, 100, "accepted", county, accepted_at, "")
                    + (self.stamp(submitted, ri(8, 22)), accepted_at)
                )
            else:
                stamp = self.stamp(submitted, ri(8, 22))
                reports.append((next_report, a.pk, author, text, percent, "submitted", None, None, "", stamp, stamp))
            if (a.organization_id == self.village.pk and year == self.year) or (
                a.organization_id in self.xinjie and key == "theme_day" and (today - a.due_on).days < 100
            ):
                self.with_photos.append((next_report, a, c.org[a.organization_id][5], submitted))
                if a.organization_id != self.village.pk and key == "theme_day" and a.due_on < first_of_month:
                    self.reuse_from = next_report  # last month's theme day of another village (scene 4)
            next_report += 1
        update_rows(Assignment, ("state", "percent", "accepted_on", "accepted_at", "version"), "id", updates)
        self.counts["reports"] += insert_rows(ProgressReport, _REPORT_FIELDS, reports)
        self._photos()

    def _story_and_late(self, assignments) -> tuple[set, set]:
        """The assignments the scenes write themselves; 青山村's two late ones in the year assessed."""
        today = self.today
        story = {
            a.pk
            for a in assignments
            if self.duty_year[a.duty_id] == self.year
            and (
                (a.organization_id == self.village.pk and self.duty_key[a.duty_id] == "info")
                or (a.organization_id == self.township.pk and self.duty_key[a.duty_id] == "activity")
            )
        }
        # 青山村 in the year assessed: everything on time but two late reports (scene 7).
        qingshan = [
            a
            for a in assignments
            if a.organization_id == self.village.pk
            and self.duty_year[a.duty_id] == self.assessed_year
            and a.due_on < today - dt.timedelta(days=20)
            and a.pk not in story
        ]
        late = {a.pk for a in qingshan[1 :: max(1, len(qingshan) // 2)][:2]}
        return story, late

    def _state_of(self, a: _A, key: str, year: int, late: set) -> tuple:
        """(state, percent, accepted_on, returned_first, submitted_on) of an assignment of the scenes' county."""
        c, r, ri, today = self.c, self.r, self.ri, self.today
        own = a.organization_id in (self.village.pk, self.township.pk)
        if a.organization_id == self.village.pk and a.due_on < today:
            accepted = (
                a.due_on + dt.timedelta(days=ri(3, 12)) if a.pk in late else a.due_on - dt.timedelta(days=ri(0, 6))
            )
            accepted = min(max(accepted, (a.start_on or accepted) + dt.timedelta(days=1)), today)
            state, percent, returned, submitted = "accepted", 100, False, accepted - dt.timedelta(days=1)
        else:
            tier, spots = (
                (EXCELLENT, ()) if own else (c.tier_of(a.organization_id), self.spots.get(a.organization_id, ()))
            )
            state, percent, accepted, returned, submitted = self._fate(tier, spots, a.due_on, a.start_on, a.weighty)
        done_late = a.due_on + dt.timedelta(days=ri(20, 80))
        if (
            year == self.last
            and state != "accepted"
            and done_late < today
            and r.random() < self.DONE_LATE_LAST_YEAR[c.tier_of(a.organization_id)]
        ):
            state, percent, returned, accepted = (
                "accepted",
                100,
                False,
                done_late,
            )  # done late (early this year at last)
            submitted = accepted - dt.timedelta(days=2)
        if a.organization_id == self.village.pk and a.due_on > today + dt.timedelta(days=3):
            # 青山村's work not yet due is under way (one item of it gets a due-date request).
            started = (a.start_on or a.due_on) <= today
            state, percent, accepted, returned = ("in_progress" if started else "issued"), 30 * started, None, False
        if (key == "rectify" or (year == self.last and own)) and a.due_on < today and state != "accepted":
            # Major tasks get done, if late; the demo's own organizations closed last year's work.
            state, percent, returned = "accepted", 100, False
            accepted = min(a.due_on + dt.timedelta(days=ri(5, 40)), today)
            submitted = accepted - dt.timedelta(days=2)
        return state, percent, accepted, returned, submitted

    def _text(self, key: str, a: Assignment, day: dt.date, percent: int) -> str:
        ri = self.ri
        n = len(self.c.of_branch.get(a.organization_id, ())) or ri(20, 40)
        k = max(1, n - ri(0, max(2, n // 6)))
        text = _REPORT_TEXT.get(key, "已按要求完成。").format(
            d=_cn_date(day),
            topic=_THEME_TOPICS[(day.month - 1) % len(_THEME_TOPICS)],
            n=n,
            k=k,
            m=ri(2, 12),
            q=ri(3, 20),
            r=ri(2, 15),
            v=round(8 + 22 * self.r.random(), 1),
            g=ri(5, 25),
        )
        return text if percent >= 100 else f"已完成{percent}%：{text}"

    def _photo(self) -> bytes:
        self.photo_seed += 1
        return photo(self.photo_seed)

    def _photos(self) -> None:
        """Photos of the reports of 青山村 and of 新街镇's villages' recent theme days, stored like uploads."""
        evidence = []
        self.reused = None
        source = getattr(self, "reuse_from", None)
        for report_id, a, org_name, day in self.with_photos:
            files = [(self._photo(), f"IMG_{day:%Y%m%d}_{report_id % 10000:04d}{k}.jpg") for k in (1, 2)]
            if report_id == source:
                self.reused = (files[0][0], org_name)
            evidence += _evidence_rows(report_id, a.pk, files)
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        self.counts["evidence"] += len(evidence)

    # -- the scenes on duties ---------------------------------------------------------------------------------

    def _stories(self) -> None:
        """The scenes on duties: 新街镇's decomposed duty and its reports, the returned photo, claims, requests."""
        assignment, villages, received = self._decompose()
        self._villages_report(villages, received)
        self._reused_photo(received[self.village.pk])
        # The other item due within three days (党员信息核对): Li is at work on it.
        Assignment.objects.filter(duty=self.duty_of[(self.year, "info")], organization=self.village).update(
            state="in_progress", percent=60, version=2
        )
        # The township's own assignment of the county duty: in progress while its villages report.
        Assignment.objects.filter(pk=assignment.pk).update(state="in_progress", percent=50)
        self._claim_story()
        self._due_date_requests()

    def _decompose(self) -> tuple:
        """(the township's assignment, its villages, their assignments of the duty it issues them)."""
        from grassroots.duties import services as duties

        today = self.today
        wang = self.users["township"]
        # Scene 2: 新街镇党委 decomposes the county's duty, adds its requirement, issues it to its villages.
        county_duty = self.duty_of[(self.year, "activity")]
        assignment = Assignment.objects.get(duty=county_duty, organization=self.township)
        due = _clamp(today + dt.timedelta(days=2), assignment.start_on or today, assignment.due_on)
        duty = duties.duty_decompose(
            actor=wang,
            assignment=assignment,
            due_on=due,
            requirement=county_duty.requirement + "各村须有活动横幅，党员签到。",
            evidence_expected="活动照片3张以上、签到表（参会党员签字）",
        )
        villages = list(Organization.objects.filter(pk__in=self.xinjie).order_by("path"))
        duties.duty_issue(actor=wang, duty=duty, targets=villages, note=_TOWNSHIP_NOTE)
        issued = _aware(min(assignment.start_on + dt.timedelta(days=2), today), 11)
        Duty.objects.filter(pk=duty.pk).update(created_at=issued, updated_at=issued)
        Assignment.objects.filter(duty=duty).update(issued_at=issued, created_at=issued, updated_at=issued)
        self.counts["duties"] += 1
        self.counts["assignments"] += len(villages)
        received = {a.organization_id: a for a in Assignment.objects.filter(duty=duty)}
        return assignment, villages, received

    def _villages_report(self, villages: list, received: dict) -> None:
        """新街镇's other villages report on the decomposed duty, one with another village's photo resized."""
        from grassroots.duties import services as duties

        r, today = self.r, self.today
        wang = self.users["township"]
        # The villages report after their theme day; Wang has accepted some, the others wait for his review.
        others = [v for v in villages if v.pk != self.village.pk]
        reported = others[: max(2, len(others) * 2 // 3)]
        next_report = next_pk(ProgressReport)
        reports, files = [], []
        waiting = set()
        for k, village in enumerate(reported):
            a = received[village.pk]
            day = max(a.start_on or today, today - dt.timedelta(days=r.randrange(0, 6)))
            stamp = self.stamp(day, r.randrange(9, 22))
            reports.append((next_report, a.pk, None, self._text("activity", a, day, 100), 100, "submitted"))
            reports[-1] += (None, None, "", stamp, stamp)
            shots = [(self._photo(), f"IMG_{day:%Y%m%d}_{k:02d}{n}.jpg") for n in (1, 2, 3)]
            if k == len(reported) - 1 and self.reused is not None:
                # Another village's photo again, scaled and saved anew: another file, the same perceptual hash.
                shots[2] = (resized(self.reused[0]), shots[2][1])
                waiting.add(next_report)
            files.append((next_report, a.pk, shots))
            next_report += 1
        self.counts["reports"] += insert_rows(ProgressReport, _REPORT_FIELDS, reports)
        update_rows(
            Assignment, ("state", "percent", "version"), "id", [("submitted", 100, 2, row[1]) for row in reports]
        )
        evidence = [e for report_id, a_id, shots in files for e in _evidence_rows(report_id, a_id, shots)]
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        self.counts["evidence"] += len(evidence)
        for report in ProgressReport.objects.filter(pk__in=[row[0] for row in reports]).order_by("id"):
            if report.pk not in waiting and r.random() < 0.5:
                duties.report_accept(actor=wang, report=report)

    def _reused_photo(self, a: Assignment) -> None:
        """Scenes 3 and 4 on 青山村's assignment of the decomposed duty."""
        from grassroots.duties import services as duties

        today = self.today
        wang, li = self.users["township"], self.users["secretary"]
        # Scenes 3 and 4: Li reports with three photos, one of them another village's from last month; Wang
        # returns it with the reason; Li reports again with the activity's own photos (waiting for review).
        shots = [(self._photo(), f"IMG_{today:%Y%m%d}_{n}.jpg") for n in (101, 102, 103)]
        other = "其他村"
        if self.reused is not None:
            shots[2] = (self.reused[0], shots[2][1])
            other = self.reused[1]
        first = duties.report_submit(
            actor=li,
            assignment=a,
            text=self._text("activity", a, today - dt.timedelta(days=2), 100),
            percent=100,
            files=[_Upload(data, name) for data, name in shots],
        )
        duties.report_return(actor=wang, report=first, reason=_REUSED_REASON.format(other=other))
        shots = [(self._photo(), f"IMG_{today:%Y%m%d}_{n}.jpg") for n in (201, 202, 203)]
        duties.report_submit(
            actor=li,
            assignment=a,
            text=self._text("activity", a, today - dt.timedelta(days=1), 100) + "已补充本次活动现场照片。",
            percent=100,
            files=[_Upload(data, name) for data, name in shots],
        )
        self.counts["reports"] += 2
        self.counts["evidence"] += 6

    def _claim_story(self) -> None:
        """Scene 5: two members claim 新街镇's volunteer duty; once it is done, their points show it."""
        from grassroots.duties import services as duties

        c, today = self.c, self.today
        wang = self.users["township"]
        duty = self.claim_duty[self.year]
        leader = Member.objects.get(user=self.member_user)
        rows = c.of_branch[self.village.pk].tolist()
        young = [
            int(c.member_ids[i])
            for i in rows
            if c.age[i] < 50 and c.full[i] and int(c.member_ids[i]) not in (leader.pk, self.li)
        ]
        second = Member.objects.get(pk=(young or [int(c.member_ids[rows[-1]])])[0])
        claims = [
            duties.claim_create(actor=self.member_user, duty=duty, member=leader, note="我带队，组织村里年轻党员参加"),
            duties.claim_create(actor=wang, duty=duty, member=second, note="我家有收割机，可以帮忙"),
        ]
        when = _aware(min(duty.start_on - dt.timedelta(days=5), today), 20)
        Claim.objects.filter(pk__in=[cl.pk for cl in claims]).update(created_at=when, updated_at=when)
        self.counts["claims"] += 2
        own = Assignment.objects.get(duty=duty, organization=self.township)
        duties.assignment_update(actor=wang, assignment=own, responsible=leader)
        if duty.due_on + dt.timedelta(days=5) <= today:
            report = duties.report_submit(
                actor=self.member_user, assignment=own, text=_REPORT_TEXT["claim"].format(k=12, m=9), percent=100
            )
            duties.report_accept(actor=wang, report=report)
            done = duty.due_on - dt.timedelta(days=2)
            accepted = done + dt.timedelta(days=1)
            ProgressReport.objects.filter(pk=report.pk).update(
                created_at=_aware(done, 19), updated_at=_aware(accepted, 9), reviewed_at=_aware(accepted, 9)
            )
            Assignment.objects.filter(pk=own.pk).update(accepted_on=accepted, accepted_at=_aware(accepted, 9))
            Claim.objects.filter(pk__in=[cl.pk for cl in claims]).update(completed_at=_aware(accepted, 9))
            PointEntry.objects.filter(
                Q(source_type="claim", source_id__in=[str(cl.pk) for cl in claims])
                | Q(source_type="assignment", source_id=str(own.pk))
            ).update(earned_on=accepted)
            self.counts["reports"] += 1
        elif duty.start_on <= today:
            Assignment.objects.filter(pk=own.pk).update(state="in_progress", percent=40)

    def _due_date_requests(self) -> None:
        """One waiting for the county's decision (from 青山村 when it has work far enough ahead), two decided."""
        from grassroots.duties import services as duties

        today = self.today
        county = self.users["county"]
        mine = (
            Assignment.objects.filter(
                organization=self.village,
                state__in=["issued", "in_progress"],
                due_on__gt=today + dt.timedelta(days=3),
                duty__duty_list__period=self.period[self.year],
            )
            .order_by("-due_on", "id")
            .first()
        )
        made = 0
        if mine is not None:
            try:
                duties.due_date_request(
                    actor=self.users["secretary"],
                    assignment=mine,
                    new_due=mine.due_on + dt.timedelta(days=14),
                    reason="村里近期集中开展重点项目建设，党员大多在工地，申请推迟两周完成。",
                )
                made = 1
            except ValidationError:  # the request would be dated in the past (a demo built for another day)
                pass
        open_ones = list(
            Assignment.objects.filter(
                duty__in=[d for (y, _k), d in self.duty_of.items() if y == self.year],
                state__in=["in_progress", "issued"],
                organization_id__in=self.c.villages,
            )
            .exclude(organization=self.village)
            .order_by("-due_on", "id")[:3]
        )
        decisions = [("granted", "同意延期。"), ("refused", "时间节点不能调整，请加快进度。")]
        if not made:
            decisions.insert(0, ("pending", ""))
        rows = []
        for (state, note), a in zip(decisions, open_ones, strict=False):
            asked = min(max(a.start_on or today, a.due_on - dt.timedelta(days=5)), today)
            decided = state != "pending"
            new_due = max(a.due_on, today) + dt.timedelta(days=10)
            rows.append(
                DueDateRequest(
                    assignment=a,
                    current_due=a.due_on,
                    new_due=new_due,
                    reason="村两委换届筹备工作繁重，申请延期。" if state == "refused" else "遇连续降雨，户外活动推迟。",
                    state=state,
                    decided_by=county if decided else None,
                    decided_at=_aware(min(asked + dt.timedelta(days=1), today), 10) if decided else None,
                    decision_note=note,
                )
            )
            if state == "granted":
                Assignment.objects.filter(pk=a.pk).update(due_on=new_due)
        DueDateRequest.objects.bulk_create(rows)
        self.counts["due_date_requests"] += len(rows) + made
