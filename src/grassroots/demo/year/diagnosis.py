"""The diagnosis in the demo year (last, after disclosure): what it finds comes from the year's records; this stage
adds, through the services, what the records alone would not show, without changing the tree or the members (the
demo's counts and invariants stay). The county sets a threshold for its subtree and 新街镇 a nearer one for its own
(the nearest wins); the county proposes by hand, as an excellent member, a member appraised basically qualified last
year (a commendation that does not follow the appraisal)."""

from grassroots.accountability.models import OPEN_CASE_STATES, Case, CommendationKind
from grassroots.orglife.models import AppraisalGrade, AppraisalResult


class _DiagnosisYear:
    """Thresholds and a commendation against the appraisal, for the diagnosis's pages."""

    def _diagnosis(self) -> None:
        from grassroots.accountability import services as honours
        from grassroots.insights.diagnosis import services as diagnosis

        county, wang = self.users["county"], self.users["township"]
        diagnosis.threshold_set(actor=county, organization=self.county, code="integration.linked", value="0.25")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="integration.linked", value="0.40")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="guidance.no_study", value="4")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="vanguard.appraisal", value="0.02")
        self.counts["diagnosis_thresholds"] += 4
        concerned = Case.objects.filter(state__in=OPEN_CASE_STATES, person__isnull=False).values("person_id")
        weak = (
            AppraisalResult.objects.filter(
                appraisal__year=self.last,
                appraisal__organization__path__startswith=self.county.path,
                grade=AppraisalGrade.BASIC,
                member__status="active",
            )
            .exclude(member_id__in=concerned)
            .select_related("member")
            .order_by("appraisal__organization__path", "member_id")
            .first()
        )
        if weak is not None:
            honours.commendation_propose(
                actor=county,
                kind=CommendationKind.EXCELLENT_MEMBER,
                period=self.period[self.last],
                commending=self.county,
                member=weak.member,
                citation="带头发展村集体经济，群众口碑好。",
                reason="村委会推荐，群众反映好。",
            )
            self.counts["commendations"] += 1
