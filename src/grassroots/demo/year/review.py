"""The report-on-duty review (述职评议) in the demo year: 新街镇 reviews the reports on duty of its villages'
secretaries for the year assessed; 李德明 (the demo 'secretary', 青山村) reports, the township's and the county's
officers and a member of 青山村 rate his report, and the township writes his three lists, one rectification issued to
青山村 as an assignment due in six weeks. The other secretaries, without an account, have not reported."""

import datetime as dt

from django.utils import timezone

from grassroots.core.web import allowed
from grassroots.organizations.models import Member

REPORT = (
    "一年来，我认真履行抓党建第一责任人职责：按时召开支部党员大会和支委会，开展主题党日活动，"
    "带头讲党课两次；落实县委、镇党委部署的重点工作，完成村级道路硬化和人居环境整治；"
    "开展党员积分管理和困难党员走访。存在的不足：第三季度党课未按时开展，发展党员工作偏慢，"
    "部分流动党员参加组织生活不够经常。下一步将对照问题清单逐项整改。"
)
PROBLEMS = ("第三季度党课未按规定开展", "流动党员参加组织生活不经常")
RESPONSIBILITY = "支部书记对组织生活不规范负直接责任，支委委员分工负责"
RECTIFICATION = "补开党课并建立流动党员线上学习台账"


class _ReviewYear:
    """新街镇's review of its secretaries' reports on duty, through the services."""

    def _review(self) -> None:
        from grassroots.accountability import services as pursuit
        from grassroots.accountability.models import DutyReport, ListKind
        from grassroots.core.periods import period_for

        wang, county = self.users["township"], self.users["county"]
        li = Member.objects.select_related("user").get(pk=self.li)
        review = pursuit.review_open(actor=wang, organization=self.township, period=period_for(str(self.assessed_year)))
        self.counts["duty_reports"] += review.reports.count()
        mine = DutyReport.objects.filter(review=review, member=li).first()
        if mine is None or li.user is None:
            return
        pursuit.report_submit(actor=li.user, report=mine, text=REPORT)
        pursuit.review_start_rating(actor=wang, review=review)
        mine = DutyReport.objects.select_related("review").get(pk=mine.pk)  # submitted, in a review now rating
        pursuit.rating_give(actor=wang, report=mine, grade="good")
        pursuit.rating_give(actor=county, report=mine, grade="excellent")
        member = self.member_user
        if member is not None and allowed(pursuit.rating_give_check, actor=member, report=mine):
            pursuit.rating_give(actor=member, report=mine, grade="good")  # one member of three: no opinion yet
        pursuit.review_close(actor=wang, review=review)
        for text in PROBLEMS:
            pursuit.list_item_add(actor=wang, report=mine, kind=ListKind.PROBLEM, text=text)
        pursuit.list_item_add(actor=wang, report=mine, kind=ListKind.RESPONSIBILITY, text=RESPONSIBILITY)
        pursuit.list_item_add(
            actor=wang,
            report=mine,
            kind=ListKind.RECTIFICATION,
            text=RECTIFICATION,
            # (A rectification is due from the real today on, whatever day the demo's year is built for.)
            due_on=max(self.today, timezone.localdate()) + dt.timedelta(days=42),
            evidence_expected="党课记录、学习台账截图",
        )
