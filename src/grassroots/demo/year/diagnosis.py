"""The diagnosis in the demo year (last, after disclosure): what it finds comes from the year's records; this stage
adds, through the services, what the records alone would not show. The county sets a threshold for its subtree
and 新街镇 a nearer one for its own (the nearest wins); 新街镇 founds a community branch this year and records its
members and its secretary, and nothing else yet (every area's data missing, the appraisal not held, members never
active); the county proposes by hand, as an excellent member, a member appraised basically qualified last year (a
commendation that does not follow the appraisal). (A branch with no member at all, the one check left, is not made:
the demo keeps a secretary in every branch; the tests hold that check.)"""

import datetime as dt

from grassroots.accountability.models import OPEN_CASE_STATES, Case, CommendationKind
from grassroots.organizations.models import Member, Organization
from grassroots.orglife.models import AppraisalGrade, AppraisalResult

NEW_MEMBERS = (  # name, gender, born, joined
    ("赵春燕", "F", (1986, 3, 14), (2012, 7, 1)),
    ("孙海涛", "M", (1979, 11, 2), (2005, 6, 20)),
    ("周晓宇", "M", (1992, 5, 9), (2018, 12, 10)),
    ("吴桂兰", "F", (1968, 8, 23), (1996, 7, 1)),
)


class _DiagnosisYear:
    """Thresholds, two new branches and a commendation against the appraisal, for the diagnosis's pages."""

    def _diagnosis(self) -> None:
        from grassroots.accountability import services as honours
        from grassroots.insights.diagnosis import services as diagnosis
        from grassroots.organizations import services as organizations

        county, wang = self.users["county"], self.users["township"]
        diagnosis.threshold_set(actor=county, organization=self.county, code="integration.linked", value="0.25")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="integration.linked", value="0.40")
        diagnosis.threshold_set(actor=wang, organization=self.township, code="guidance.no_study", value="4")
        self.counts["diagnosis_thresholds"] += 3
        founded = max(dt.date(self.year, 1, 1), self.today - dt.timedelta(days=60))
        community = organizations.organization_create(
            actor=wang,
            parent=self.township,
            code=f"{self.township.code}-901",
            name="新街社区新建党支部",
            name_en="Xinjie New Community Branch",
            kind="branch",
            unit_type="community",
            founded_on=founded,
        )
        members = [
            organizations.member_create(
                actor=wang,
                organization=community,
                name=name,
                gender=gender,
                birth_date=dt.date(*born),
                joined_on=dt.date(*joined),
                confirmed_on=dt.date(joined[0] + 1, *joined[1:]),
                category="full",
            )
            for name, gender, born, joined in NEW_MEMBERS
        ]
        organizations.post_create(
            actor=wang, member=members[1], organization=community, title="secretary", started_on=founded
        )
        self.counts["diagnosis_branches"] += 1
        # The demo's counts say what the database holds: the tree's, and this branch and its members.
        self.counts["organizations"] = Organization.objects.count()
        self.counts["branches"] = Organization.objects.filter(kind="branch").count()
        self.counts["members"] = Member.objects.count()
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
