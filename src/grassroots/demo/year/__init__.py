"""A year of work for the demo: duties and their progress, organizational life, care and the year's assessment.

`build_year` runs after the tree, members and accounts of grassroots.demo. At the scales tiny and county
it fills the demo county with what its users would find after a year and more of use, so that the ten scenes of
STORIES.md can be walked through:

- this year's and last year's duty lists of the county (twelve duties over the six areas, a monthly theme day,
  key work and a major task) issued to every village branch, to every branch or to the township committees;
  新街镇党委 decomposes one and issues it to its villages with its own requirement (scene 2); progress reports
  with photos, reviews, returns with reasons, late and overdue work (scenes 3, 4, 8); claims (scene 5);
- meetings following the rules with realistic gaps, attendance, study hours, points, last year's democratic
  appraisal, the care ledger with visits (old member 张, 87, not visited for seven months: scene 6), talks;
- the default indicator systems, a run of the year-end assessment over the county with ratings by one-time
  links, a discipline case that vetoes 白石村党支部, computed by the engine and published (scene 7).

Each branch is given a level of work (the grade it has earned in practice: about 10% good, 60% fairly good,
20% average, 10% poor, the county example of the domain reference) and, below "good", a few weak spots (late
work, missed meetings, study behind, talks missing, returned reports, key work undone); its records are drawn
from those, so the engine's grades come out near that distribution. The year assessed is this year from
November on (the round starts in November and ends by year end), else last year, whose records are complete.

Built for speed like the tree: rows are computed (seeded numpy and random generators) and written with
executemany. Services are called where a scene needs a real action: the lists and duties, the copy of last
year's list, the township's decomposition and issue, the demo secretary's reports, reviews and returns,
claims, a due-date request, tokens and ratings, the veto, the run; those are audited as usual. The county's
own issues write their thousands of assignments with executemany and the service's audit entry. Photos are
small JPEGs drawn with Pillow, each different, checked and stored as services.report_submit stores uploads.

At the scales city and province only the records the assessment engine reads are written, in bulk, for the
benchmarks: assignments of a dozen duties to every branch, about twelve meetings per branch with attendance
at one, study records, talks, care cases and visits; no files, no service per row.

The modules follow the stages: base (levels of work, the county as arrays, stamps), duties (lists, issue,
objectives, claims), progress (reports, photos, the scenes on duties), orglife (meetings, study, talks,
appraisal, points), care, assessment, pursuit (cases) and honours (commendations, the red/yellow board); cities
holds the bulk rows of the city and province.
"""

import datetime as dt
import random
from collections import defaultdict

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from grassroots.core.errors import ValidationError
from grassroots.core.signals import records_written
from grassroots.duties.counting import rebuild_counted
from grassroots.duties.models import Claim, DutyList, ProgressReport
from grassroots.organizations.models import Grant, Member, Organization, Post
from grassroots.organizations.validation import id_check_digit
from grassroots.orglife.models import Attendance, CareCase, CareVisit, Meeting, PointEntry, PointRule, StudyRecord, Talk

from ..bulk import reset_sequences
from .appeals import STREET_LIGHTS_CODE, _AppealsYear
from .assessment import VETO_REASON, _AssessmentYear
from .base import GOOD, POOR, _Clock, _County, _Levels, _md, _Stamps
from .care import _CareYear
from .cities import _Bulk
from .diagnosis import _DiagnosisYear
from .disclosure import _DisclosureYear
from .duties import _DutiesYear
from .formalism import _FormalismYear
from .honours import _HonoursYear
from .orglife import _OrgLifeYear
from .progress import _ProgressYear
from .pursuit import _PursuitYear
from .review import _ReviewYear

__all__ = ["BAISHI", "VETO_REASON", "ZHANG", "build_year"]

BAISHI = ("白石村党支部", "Baishi Village Branch")
ZHANG = "张福生"
ASSESSMENT_SEASON = (11, 1)  # the year-end round starts in November (domain reference 1.5)


def build_year(*, scale: str, seed: int = 1, stdout=None, today: dt.date | None = None) -> dict:
    """A year (and more) of work for the demo built by grassroots.demo.build_demo; returns counts.

    tiny and county: the demo county with its stories; city and province: bulk rows for the benchmarks.
    The same seed gives the same records (dates are counted from `today`, by default the current date).
    """
    today = today or timezone.localdate()
    clock = _Clock(stdout)
    bulk = scale in ("city", "province")
    with transaction.atomic():
        if bulk:
            counts = _Bulk(seed=seed, today=today, clock=clock).build()
            # Millions of rows written in this transaction, none analyzed: without statistics PostgreSQL takes a
            # batch of 2,000 organizations of the totals' rebuild below for the whole table and scans every study
            # record for each batch (the province's rebuild ran for over an hour so). ANALYZE sees this
            # transaction's own rows.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            clock.say("Statistics gathered")
        else:
            counts = _Year(seed=seed, today=today, clock=clock).build()
        # The records were written in bulk, past the services: the roll-up's stored rule is set from them.
        rebuild_counted()
        records_written.send(sender=DutyList, organization_ids=None)  # figures kept from them are counted again
        if bulk:
            clock.say("Totals counted")
    counts["year_seconds"] = clock.seconds
    return counts


class _Year(
    _Levels,
    _DutiesYear,
    _ProgressYear,
    _OrgLifeYear,
    _CareYear,
    _AssessmentYear,
    _PursuitYear,
    _HonoursYear,
    _ReviewYear,
    _DisclosureYear,
    _AppealsYear,
    _DiagnosisYear,
    _FormalismYear,
):
    """The demo county's year: built stage by stage, each stage printing a progress line."""

    def __init__(self, *, seed: int, today: dt.date, clock: _Clock):
        self.seed = seed
        self.today = today
        self.year = today.year
        self.last = today.year - 1
        self.assessed_year = self.year if today >= dt.date(self.year, *ASSESSMENT_SEASON) else self.last
        self.rng = np.random.default_rng([seed, 7])  # vectors
        self.r = random.Random(seed * 7919 + 7)  # single draws in loops (much faster than numpy's)
        rand = self.r.random
        self.ri = lambda lo, hi: lo + int(rand() * (hi - lo))  # randrange(lo, hi) at a third of the cost
        self.clock = clock
        self.stamp = _Stamps()
        self.counts: dict[str, int] = defaultdict(int)
        self.photo_seed = seed * 1_000_003

    # -- setup ------------------------------------------------------------------------------------------

    def _setup(self) -> None:
        from grassroots.duties.services import period_for

        names = ["admin", "county", "township", "secretary", "member", "auditor"]
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        grants = dict(
            Grant.objects.filter(user__username__in=["county", "township", "secretary"]).values_list(
                "user__username", "organization_id"
            )
        )
        if set(self.users) != set(names) or len(grants) != 3:
            raise ValidationError(
                "The demo year is built on the demo of grassroots.demo.build_demo: its accounts are missing."
            )
        if DutyList.objects.filter(organization_id=grants["county"], period__code=str(self.year)).exists():
            raise ValidationError(f"The demo county already has its duty list of {self.year}: the year is built.")
        self.county = Organization.objects.get(pk=grants["county"])
        self.township = Organization.objects.get(pk=grants["township"])
        self.village = Organization.objects.get(pk=grants["secretary"])
        self.c = _County(self.county, self.today, self.rng)
        self.period = {self.year: period_for(str(self.year)), self.last: period_for(str(self.last))}
        self.rules = dict(PointRule.objects.filter(is_active=True).values_list("code", "id"))
        self._baishi()
        self._zhang()
        self.c.tier[self.village.pk] = GOOD
        self.c.tier[self.baishi] = POOR
        self.spots = {}
        for b in self.c.branches:
            tier = self.c.tier_of(b)
            spots = set(self.r.sample(self.SPOTS, self.SPOT_COUNT[tier]))
            if self.r.random() < self.KEY_SPOT[tier]:
                spots.add("key")
            self.spots[b] = spots
        self.spots[self.village.pk] = {"late", "meetings"}  # two late reports and a missed lecture (scene 7)
        self.li = self.c.secretary_of.get(self.village.pk)
        self.member_user = self.users.get("member")
        self.xinjie = [b for b in self.c.villages if self.c.under(b, self.township.pk)]
        small = len(self.c.member_ids) < 2000  # the tiny county keeps every record in detail
        self.detailed = {b for b in self.c.branches if small or self.c.under(b, self.township.pk)}
        self._choose_gaps()

    def _baishi(self) -> None:
        """白石村党支部 lives in 新街镇 (the auditor's township): found there, or one of its villages renamed."""
        c = self.c
        existing = [b for b in c.villages if c.org[b][5] == BAISHI[0]]
        inside = [b for b in existing if c.under(b, self.township.pk)]
        if inside or existing:
            self.baishi = (inside or existing)[0]
            return
        candidates = [
            b
            for b in c.villages
            if c.org[b][4] == self.township.pk and b != self.village.pk and len(c.of_branch.get(b, ())) >= 8
        ]
        pick = candidates[-1] if candidates else next(b for b in c.villages if b != self.village.pk)
        Organization.objects.filter(pk=pick).update(name=BAISHI[0], name_en=BAISHI[1])
        self.baishi = pick
        c.org[pick] = (*c.org[pick][:5], BAISHI[0])

    def _zhang(self) -> None:
        """Old member 张 of 青山村, 87: the branch's oldest man without a post, his record made to fit."""
        rows = self.c.of_branch[self.village.pk]
        members = list(Member.objects.filter(pk__in=self.c.member_ids[rows].tolist()))
        posts = set(Post.objects.filter(member__in=members, ended_on__isnull=True).values_list("member_id", flat=True))
        pool = [m for m in members if m.pk not in posts and m.user_id is None and m.category == "full"]
        men = [m for m in pool if m.gender == "M"] or pool
        zhang = max(men, key=lambda m: ((self.today - m.birth_date).days if m.birth_date else 0, -m.pk))
        born = _md(self.today.year - 87, self.today.month, self.today.day) - dt.timedelta(days=130)
        region = (zhang.id_number or "430124")[:6]
        seq = int((zhang.id_number or "00000000000000001")[14:17]) | 1  # odd: a man
        while True:
            body = f"{region}{born:%Y%m%d}{seq:03d}"
            number = body + id_check_digit(body)
            if not Member.objects.filter(id_number=number).exclude(pk=zhang.pk).exists():
                break
            seq = (seq + 2) % 1000
        joined = dt.date(born.year + 24, 7, 1)
        Member.objects.filter(pk=zhang.pk).update(
            name=ZHANG,
            gender="M",
            birth_date=born,
            id_number=number,
            joined_on=joined,
            confirmed_on=joined.replace(year=joined.year + 1),
            education="primary",
            occupation="农民",
        )
        self.zhang = zhang.pk
        i = self.c.index[zhang.pk]
        self.c.age[i] = 87
        self.c.migrant[i] = False
        self.c.joined[i] = joined.toordinal()

    # -- the build ----------------------------------------------------------------------------------------

    def build(self) -> dict:
        self._setup()
        say = self.clock.say
        say(f"Year {self.year}: {len(self.c.branches):,} branches, {len(self.c.member_ids):,} members")
        self._plans()
        self._objectives()
        say(f"Study plans and {self.counts['objectives']:,} business objectives")
        self._duties()
        say(f"Duty lists: {self.counts['duties']} duties, {self.counts['assignments']:,} assignments")
        self._progress()
        say(f"Progress: {self.counts['reports']:,} reports, {self.counts['evidence']} photos")
        self._stories()
        say("新街镇's decomposed duty and its reviews, claims, due-date requests")
        for year in (self.last, self.year):
            self._meetings(year)
        say(f"Meetings {self.counts['meetings']:,}, attendance {self.counts['attendance']:,}")
        for year in (self.last, self.year):
            self._study(year)
            self._talks(year)
        say(f"Study records {self.counts['study_records']:,}, talks {self.counts['talks']:,}")
        self._care()
        self._appraisal()
        self._points()
        say(
            f"Care cases {self.counts['care_cases']}, visits {self.counts['care_visits']}, "
            f"appraisal results {self.counts['appraisal_results']:,}, points {self.counts['points']:,}"
        )
        self._assessment()
        grades = ", ".join(f"{g} {self.counts['grade_' + g]}" for g in ("excellent", "good", "fair", "poor"))
        say(f"Assessment {self.assessed_year}: {self.counts['results']:,} results ({grades}), published")
        self._pursuit()
        say(f"Pursuit: {self.counts['cases']:,} cases")
        self._honours()
        say(f"Honours: {self.counts['commendations']} commendations, {self.counts['boards']} red/yellow board")
        self._review()
        say(f"Report-on-duty review of 新街镇: {self.counts['duty_reports']} reports expected, 李德明's three lists")
        self._disclosure()
        say(f"Disclosure: {self.counts['minutes_released']} minutes released, {self.counts['notices']} notices")
        self._appeals()
        say(f"Appeals from the public: {self.counts['appeals']} (the street lights' follow code {STREET_LIGHTS_CODE})")
        self._diagnosis()
        say(
            f"Diagnosis: {self.counts['diagnosis_thresholds']} thresholds, {self.counts['general_branches_founded']} "
            "general branch founded (no member yet)"
        )
        self._formalism()
        say(f"Formalism: {self.counts['texts_indexed']:,} reports indexed, {self.counts['flags']} flags to judge")
        reset_sequences(
            [Meeting, Attendance, ProgressReport, StudyRecord, Talk, CareCase, CareVisit, PointEntry, Claim]
        )
        return dict(self.counts)
