"""Pursuit in the demo year (scene 8): the rules of pursuit run as of today; the county takes up the first overdue
key work of 新街镇 (a reminder talk and a rectification in progress); 新街镇 opens a case by hand on 青山村's missed
lecture, and its secretary 李德明 answers it with a statement."""

import datetime as dt

from django.utils import timezone

from grassroots.organizations.models import Member


class _PursuitYear:
    """The cases of the demo county."""

    def _pursuit(self) -> None:
        from grassroots.accountability import services as pursuit
        from grassroots.accountability.models import Case, Measure, Trigger

        opened = pursuit.pursue(date=self.today)
        self.counts["cases"] += sum(opened.values())
        county, wang = self.users["county"], self.users["township"]
        # The county's first overdue key work in 新街镇: reviewed, a reminder talk, a rectification due in a month.
        case = (
            Case.objects.filter(trigger=Trigger.OVERDUE_KEY, organization_id__in=self.xinjie)
            .order_by("organization__path", "id")
            .first()
        )
        if case is not None:
            pursuit.case_review(actor=county, case=case)
            pursuit.case_decide(actor=county, case=case, measure=Measure.REMINDER_TALK, note="约谈支部书记，限期整改")
            pursuit.rectification_require(
                actor=county,
                case=case,
                title=case.assignment.duty.title,
                requirement="补齐未完成事项，上传过程照片和会议记录，说明逾期原因",
                # (A rectification is due from the real today on, whatever day the demo's year is built for.)
                due_on=max(self.today, timezone.localdate()) + dt.timedelta(days=30),
                evidence_expected="照片、会议记录",
            )
        # 新街镇 on 青山村's missed party lecture: opened by hand; 李德明 answers before the decision.
        li = Member.objects.get(pk=self.li)
        mine = pursuit.case_open(
            actor=wang,
            organization=self.village,
            title="未按规定开展党课",
            facts="按县委规定每季度应开展党课一次，本年度第三季度未开展。",
            person=li,
            period=self.period[self.year],
        )
        self.counts["cases"] += 1
        pursuit.case_review(actor=wang, case=mine)
        if li.user_id:
            pursuit.case_statement(
                actor=li.user, case=mine, text="第三季度支部党员大多外出参加防汛，党课推迟至十月补上，已上传记录。"
            )
