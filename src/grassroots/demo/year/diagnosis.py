"""The diagnosis in the demo year (last, after disclosure): what it finds comes from the year's records; this stage
adds, through the services, what the records alone would not show. The county sets a threshold for its subtree and
新街镇 a nearer one for its own (the nearest wins); the county proposes by hand, as an excellent member, a member
appraised basically qualified last year (a commendation that does not follow the appraisal).

Three checks need an organization of their own, chosen outside 新街镇 when the year is set up (`_choose_gaps`): a
branch that held no democratic appraisal last year (the appraisal stage leaves it out), a branch whose members working
away took part in nothing all year (no meeting, no study: the meetings and study stages leave them out), and, made
here through the services, a resettlement community's general branch founded three weeks ago whose members'
relations have not come over yet (no member recorded)."""

import datetime as dt

from grassroots.accountability.models import OPEN_CASE_STATES, Case, CommendationKind
from grassroots.organizations.models import OrgKind, UnitType
from grassroots.orglife.models import AppraisalGrade, AppraisalResult

from .base import POOR

AWAY_SHARE = 0.15  # of the away branch's members, at least this share took part in nothing all year
AWAY_REASON = "外出务工，全年未返乡"
NEW_COMMUNITY = "易地搬迁安置社区党总支"


class _DiagnosisYear:
    """Thresholds and a commendation against the appraisal, for the diagnosis's pages; the organizations that show
    the checks no other record shows."""

    def _choose_gaps(self) -> None:
        """Outside 新街镇 (its scenes stay as they are), among branches of ten members or more: the first of the
        poorest level holds no appraisal; of the others, the one with the most members working away sees them take
        part in nothing all year (at least AWAY_SHARE of its members)."""
        c = self.c
        candidates = [b for b in c.branches if not c.under(b, self.township.pk) and len(c.of_branch.get(b, ())) >= 10]
        self.no_appraisal, self.away = None, set()
        if len(candidates) < 2:
            return
        self.no_appraisal = min(candidates, key=lambda b: (c.tier_of(b) != POOR, b))
        rest = [b for b in candidates if b != self.no_appraisal]
        branch = max(rest, key=lambda b: (int(c.migrant[c.of_branch[b]].sum()), -b))
        secretary = c.secretary_of.get(branch)
        rows = [i for i in c.of_branch[branch].tolist() if not c.cadre[i] and int(c.member_ids[i]) != secretary]
        rows.sort(key=lambda i: (not c.migrant[i], i))  # those working away first
        self.away = set(rows[: max(int(c.migrant[rows].sum()), round(AWAY_SHARE * len(c.of_branch[branch])) + 1)])
        self.away_branch = branch

    def _diagnosis(self) -> None:
        from grassroots.accountability import services as honours
        from grassroots.insights.diagnosis import services as diagnosis

        county, wang = self.users["county"], self.users["township"]
        diagnosis.threshold_set(actor=county, organization=self.county, code="integration.linked", value="0.25")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="integration.linked", value="0.40")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="guidance.no_study", value="4")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="vanguard.appraisal", value="0.02")
        self.counts["diagnosis_thresholds"] += 4
        self._new_community()
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

    def _new_community(self) -> None:
        """A resettlement community's general branch, founded three weeks ago under the county's second township; its
        members' relations are still being transferred from their villages: no member is recorded yet."""
        from grassroots.organizations import services as organizations
        from grassroots.organizations.models import Organization

        township = (
            Organization.objects.filter(parent=self.county, kind=OrgKind.COMMITTEE, unit_type=UnitType.TOWNSHIP)
            .exclude(pk=self.township.pk)
            .order_by("path")
            .first()
        ) or self.township
        n = 900
        while Organization.objects.filter(code=f"{township.code}-{n}").exists():
            n += 1
        organizations.organization_create(
            actor=self.users["admin"],
            parent=township,
            code=f"{township.code}-{n}",
            name=township.name.removesuffix("党委") + NEW_COMMUNITY,
            kind=OrgKind.GENERAL_BRANCH,
            unit_type=UnitType.COMMUNITY,
            founded_on=self.today - dt.timedelta(days=21),
        )
        self.counts["general_branches_founded"] += 1
