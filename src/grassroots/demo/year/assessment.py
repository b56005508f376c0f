"""The year's assessment: the default systems, the run over the county, ratings, the veto, published."""

import datetime as dt

from django.db import connection

from grassroots.organizations.models import Organization

from .base import EXCELLENT, FAIR, GOOD, POOR

RATED_BRANCHES = 36
VETO_REASON = "村党支部委员违规套取惠农补贴资金，受到党内严重警告处分"
EARLY_REASON = "年终述职评议会前公布，供各支部对照整改；年末按12月31日重新计算后再正式公布"


class _AssessmentYear:
    """The year-end assessment of the demo county."""

    # -- the assessment --------------------------------------------------------------------------------------------

    def _assessment(self) -> None:
        """The default systems, the year-end run over the county, ratings by one-time links, the veto, published."""
        from grassroots.assessment import defaults
        from grassroots.assessment import services as assessment
        from grassroots.assessment.models import Result

        c, r = self.c, self.r
        officer = self.users["county"]
        period = self.period[self.assessed_year]
        branch_system, _secretaries = defaults.install(actor=officer, owner=self.county)
        run = assessment.run_create(actor=officer, system=branch_system, period=period, scope=self.county)
        # The masses and members rate a sample of branches (all of 新街镇's) through one-time links.
        indicators = [i.pk for i in assessment.qualitative_indicators(run)]
        inside = [b for b in c.branches if c.under(b, self.township.pk)]
        others = [b for b in c.branches if b not in set(inside)]
        sample = inside + sorted(r.sample(others, min(len(others), max(0, RATED_BRANCHES - len(inside)))))
        grades = ["excellent", "good", "fair", "poor"]
        weights = {
            EXCELLENT: [0.7, 0.25, 0.05, 0.0],
            GOOD: [0.35, 0.45, 0.17, 0.03],
            FAIR: [0.15, 0.40, 0.35, 0.10],
            POOR: [0.05, 0.25, 0.40, 0.30],
        }
        orgs = Organization.objects.in_bulk(sample)
        tokens = ratings = 0
        for b in sample:
            for kind, count in (("masses", 6), ("members", 4)):
                secrets = assessment.tokens_issue(actor=officer, run=run, kind=kind, organization=orgs[b], count=count)
                tokens += len(secrets)
                for secret in secrets[: count - r.randrange(0, 2)]:  # a few links are never used
                    chosen = {pk: r.choices(grades, weights[c.tier_of(b)])[0] for pk in indicators}
                    ratings += assessment.rating_submit(secret=secret, grades=chosen)
        # 新街镇党委 rates its own branches as the superior organization.
        wang = self.users["township"]
        for b in inside:
            tier = c.tier_of(b)
            chosen = {pk: grades[min(3, tier + (r.random() < 0.2))] for pk in indicators}
            ratings += assessment.rating_by_user(
                actor=wang, run=run, kind="superior", organization=orgs[b], grades=chosen
            )
        self.counts["rating_tokens"] += tokens
        self.counts["ratings"] += ratings
        # Scene 7: a discipline case at 白石村 vetoes its assessment.
        assessment.veto_record(
            actor=officer,
            period=period,
            organization=orgs[self.baishi],
            reason=VETO_REASON,
            occurred_on=min(dt.date(self.assessed_year, 8, 12), self.today),
        )
        with connection.cursor() as cursor:  # the year was just bulk-loaded: give the planner its statistics
            cursor.execute("ANALYZE")
        assessment.run_compute(actor=officer, run=run, asof=self.today)
        # In the assessment season the year is not over: the results, counted to today, are published early, and
        # say why (a run counted to the year's end is published as it is).
        assessment.run_publish(actor=officer, run=run, reason=EARLY_REASON)
        self.counts["assessment_runs"] += 1
        self.counts["results"] += Result.objects.filter(run=run).count()
        for grade in grades:
            self.counts[f"grade_{grade}"] = Result.objects.filter(run=run, grade=grade).count()
