"""Commendations and the red/yellow board in the demo year (after pursuit): the county publishes the board of its
published assessment, commends its best branches graded excellent as advanced organizations and the secretary of
the first as an excellent party worker; 新街镇 proposes two of its members rated excellent in the democratic
appraisal and decides one (the other waits for its decision on the pages). Through the services only."""

from django.utils import timezone


class _HonoursYear:
    """The commendations and the board of the demo county."""

    ADVANCED_SHOWN = 3
    MEMBERS_SHOWN = 2

    def _honours(self) -> None:
        from grassroots.accountability import services as honours
        from grassroots.accountability.models import CommendationKind
        from grassroots.assessment.models import AssessmentRun

        county, wang = self.users["county"], self.users["township"]
        period = self.period[self.assessed_year]
        run = AssessmentRun.objects.final().filter(scope=self.county, period=period).order_by("-version").first()
        if run is None:
            return
        honours.board_publish(actor=county, run=run)
        self.counts["boards"] += 1
        decided_on = min(self.today, timezone.localdate())
        number = iter(range(1, 100))

        def decide(actor, commendation, issuer):
            honours.commendation_decide(
                actor=actor,
                commendation=commendation,
                reference=f"{issuer}〔{decided_on.year}〕{next(number)}号",
                decided_on=decided_on,
            )

        # The county's advanced organizations: its best branches graded excellent, without a veto or an open case.
        candidates = honours.commendation_proposals(
            actor=county, organization=self.county, period=period, kind=CommendationKind.ADVANCED_ORGANIZATION
        )
        best = sorted(candidates, key=lambda c: (c.rank or 10**9, c.organization.path))[: self.ADVANCED_SHOWN]
        for c in best:
            made = honours.commendation_propose(
                actor=county,
                kind=c.kind,
                period=period,
                commending=self.county,
                organization=c.organization,
                citation="全面落实党建工作责任清单，组织生活规范，重点工作按期完成，考核评为优秀。",
            )
            decide(county, made, "青委发")
            self.counts["commendations"] += 1
        # The secretary of the first of them, an excellent party worker.
        if best:
            workers = honours.commendation_proposals(
                actor=county, organization=self.county, period=period, kind=CommendationKind.EXCELLENT_WORKER
            )
            first = next((w for w in workers if w.organization.pk == best[0].organization.pk), None)
            if first is not None:
                made = honours.commendation_propose(
                    actor=county,
                    kind=first.kind,
                    period=period,
                    commending=self.county,
                    member=first.member,
                    citation="带头履行党建第一责任人职责，支部各项工作走在全县前列。",
                )
                decide(county, made, "青委发")
                self.counts["commendations"] += 1
        # 新街镇's excellent members, from the democratic appraisal of the year it covers: one decided, one proposed.
        appraised = self.period[self.last]
        members = honours.commendation_proposals(
            actor=wang, organization=self.township, period=appraised, kind=CommendationKind.EXCELLENT_MEMBER
        )
        for k, c in enumerate(members[: self.MEMBERS_SHOWN]):
            made = honours.commendation_propose(
                actor=wang,
                kind=c.kind,
                period=appraised,
                commending=self.township,
                member=c.member,
                citation="在民主评议党员中被评为优秀，积极参加组织生活，带头服务群众。",
            )
            if k == 0:
                decide(wang, made, "新委发")
            self.counts["commendations"] += 1
