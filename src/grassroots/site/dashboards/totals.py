"""Totals kept per organization for the dashboards: what its own records count, and what its whole subtree counts,
so that a city's dashboard reads a few thousand summary rows instead of scanning its records.

Each row is (organization, own or subtree, key) with a count `n` and two sums `a`, `b`; the keys:

- `asg|<period code>|<area>|<due day>|<1 accepted, 0 not>`: counted assignments (the roll-up's rule stored on each,
  duties.counting): n, their weight (a) and the weight accepted (b); the light is read from the due day and the day;
- `acc|<month>`: counted assignments accepted in the month (n) (every period is made of whole months);
- `meet|<kind>|<month>`: meetings held in the month (n);
- `study|<month>`: study hours confirmed, studied in the month (a), of the organization's members;
- `members`: active members (n); `committee`: 1 for an active branch with a committee (seven active members or more).

How they are kept: whatever changes a record tells which organizations' own records changed (a signal: an
assignment's rule refreshed, a meeting or a study record saved, a member saved or moved, an organization saved or
moved, records written in bulk); `refresh` counts those organizations' own rows again from their records (a few rows
each) and adds the difference to the subtree rows of the organization and of every one above it, in the same
transaction as the change. `rebuild` counts every row from the records (`grassroots manage rebuild_totals`); the tests
prove that it changes nothing after the services ran.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

ZERO = Decimal(0)


class SubtreeTotal(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subtree = models.BooleanField()  # False: the organization's own records; True: its whole subtree, itself included
    key = models.CharField(max_length=100)
    n = models.BigIntegerField(default=0)
    a = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    b = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        app_label = "site"
        constraints = [models.UniqueConstraint(fields=["organization", "subtree", "key"], name="one_total_per_key")]

    def __str__(self):
        return f"{self.organization_id} {'tree' if self.subtree else 'own'} {self.key}"


# --- counting an organization's own records -------------------------------------------------------------------------


def _month(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _add(out: dict, key, n: int, a=ZERO) -> None:
    """Grouped by the day in the database (SQLite would extract a month in Python on every row), added up by month."""
    row = out.setdefault(key, [0, ZERO, ZERO])
    row[0] += n
    row[1] += a


def _assignments(out: dict, among) -> None:
    """The `asg|` rows (counted assignments by period, area, due day and acceptance) and the `acc|` rows (those
    accepted, by month)."""
    from grassroots.duties.models import AssignmentState
    from grassroots.duties.selectors import stored_counted_assignments

    accepted = Q(state=AssignmentState.ACCEPTED)
    rows = (
        among(stored_counted_assignments())
        .order_by()
        .values("organization_id", "duty__duty_list__period__code", "duty__dimension", "due_on")
        .annotate(
            n_done=Count("id", filter=accepted),
            n=Count("id"),
            w=Coalesce(Sum("weight"), Value(0), output_field=DecimalField()),
            w_done=Coalesce(Sum("weight", filter=accepted), Value(0), output_field=DecimalField()),
        )
    )
    for r in rows:
        head = f"asg|{r['duty__duty_list__period__code']}|{r['duty__dimension']}|{r['due_on'].isoformat()}"
        org = r["organization_id"]
        if r["n"] - r["n_done"]:
            out[(org, head + "|0")] = [r["n"] - r["n_done"], Decimal(r["w"] - r["w_done"]), ZERO]
        if r["n_done"]:
            out[(org, head + "|1")] = [r["n_done"], Decimal(r["w_done"]), Decimal(r["w_done"])]
    rows = (
        among(stored_counted_assignments())
        .filter(accepted, accepted_on__isnull=False)
        .order_by()
        .values_list("organization_id", "accepted_on")
        .annotate(n=Count("id"))
    )
    for org, day, n in rows:
        _add(out, (org, f"acc|{_month(day)}"), n)


def _meetings(out: dict, among) -> None:
    """The `meet|` rows: meetings held, by kind and month."""
    from grassroots.orglife.models import Meeting, MeetingState

    rows = (
        among(Meeting.objects.filter(state=MeetingState.HELD))
        .order_by()
        .values_list("organization_id", "kind", "held_on")
        .annotate(n=Count("id"))
    )
    for org, kind, day, n in rows:
        _add(out, (org, f"meet|{kind}|{_month(day)}"), n)


def _study(out: dict, among) -> None:
    """The `study|` rows: confirmed study hours of the organization's members, by month."""
    from grassroots.orglife.models import RecordState, StudyRecord

    rows = (
        among(StudyRecord.objects.filter(state=RecordState.CONFIRMED), "member__organization_id")
        .order_by()
        .values_list("member__organization_id", "studied_on")
        .annotate(hours=Sum("hours"))
    )
    for org, day, hours in rows:
        if hours:
            _add(out, (org, f"study|{_month(day)}"), 0, Decimal(hours))


def _members(out: dict, among) -> None:
    """The `members` row (active members) and the `committee` row (an active branch with enough of them)."""
    from grassroots.organizations.models import Member, MemberStatus, OrgKind
    from grassroots.orglife.selectors import COMMITTEE_MIN_MEMBERS

    rows = (
        among(Member.objects.filter(status=MemberStatus.ACTIVE))
        .order_by()
        .values_list("organization_id", "organization__kind", "organization__is_active")
        .annotate(n=Count("id"))
    )
    for org, kind, active, n in rows:
        out[(org, "members")] = [n, ZERO, ZERO]
        if kind == OrgKind.BRANCH and active and n >= COMMITTEE_MIN_MEMBERS:
            out[(org, "committee")] = [1, ZERO, ZERO]


# The parts of the totals, each counted from one kind of record: the keys it writes and how it counts them. A change to
# one kind of record recounts its part only (a duty issued to every branch of a province recounts their assignments,
# not their meetings, study and members).
PARTS = {
    "assignments": (("asg|", "acc|"), _assignments),
    "meetings": (("meet|",), _meetings),
    "study": (("study|",), _study),
    "members": (("members", "committee"), _members),
}


def _part_keys(parts) -> Q:
    """The rows of these parts, by their keys."""
    q = Q(pk__in=[])
    for part in parts:
        for key in PARTS[part][0]:
            q |= Q(key__startswith=key) if key.endswith("|") else Q(key=key)
    return q


def _own(org_ids=None, parts=tuple(PARTS)) -> dict[tuple[int, str], list]:
    """{(organization id, key): [n, a, b]} counted from the records of these organizations (None: all), for these
    parts of the totals (all by default)."""

    def among(qs, field="organization_id"):
        return qs if org_ids is None else qs.filter(**{f"{field}__in": org_ids})

    out: dict[tuple[int, str], list] = {}
    for part in parts:
        _keys, count = PARTS[part]
        count(out, among)
    return out


# --- keeping them --------------------------------------------------------------------------------------------------


def _paths(org_ids) -> dict[int, str]:
    from grassroots.organizations.models import Organization

    return dict(Organization.objects.filter(pk__in=list(org_ids)).values_list("pk", "path"))


def _ancestor_ids(paths: dict[int, str]) -> dict[int, list[int]]:
    """For each organization, the ids of itself and of every organization above it."""
    from grassroots.organizations.models import Organization, ancestor_paths

    wanted = {p for path in paths.values() for p in ancestor_paths(path)}
    ids = dict(Organization.objects.filter(path__in=sorted(wanted)).values_list("path", "pk"))
    return {org: [ids[p] for p in ancestor_paths(path) if p in ids] for org, path in paths.items()}


def _add_to_trees(deltas: dict[tuple[int, str], list], above: dict[int, list[int]], sign: int = 1) -> None:
    """Add each organization's change to the subtree rows of itself and of every organization above it."""
    summed: dict[tuple[int, str], list] = defaultdict(lambda: [0, ZERO, ZERO])
    for (org, key), (n, a, b) in deltas.items():
        for target in above.get(org, ()):
            row = summed[(target, key)]
            row[0] += sign * n
            row[1] += sign * a
            row[2] += sign * b
    _upsert([(org, True, key, n, a, b) for (org, key), (n, a, b) in summed.items() if n or a or b], add=True)


def _upsert(rows, *, add: bool) -> None:
    """Rows (organization, subtree, key, n, a, b) added to those kept (`add`), or kept as given; rows left at zero are
    removed."""
    if not rows:
        return
    table = SubtreeTotal._meta.db_table
    value = (lambda c: f'"{table}".{c} + excluded.{c}') if add else (lambda c: f"excluded.{c}")
    sql = (
        f'INSERT INTO "{table}" (organization_id, subtree, key, n, a, b) VALUES (%s, %s, %s, %s, %s, %s) '
        f"ON CONFLICT (organization_id, subtree, key) DO UPDATE SET "
        f"n = {value('n')}, a = {value('a')}, b = {value('b')}"
    )
    # In a fixed order, so that two transactions adding to the same rows wait for each other instead of deadlocking.
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(org, subtree, key, n, str(a), str(b)) for org, subtree, key, n, a, b in rows])
    for subtree in {r[1] for r in rows}:
        orgs = sorted({r[0] for r in rows if r[1] == subtree})
        for start in range(0, len(orgs), 5000):
            SubtreeTotal.objects.filter(
                organization_id__in=orgs[start : start + 5000], subtree=subtree, n=0, a=0, b=0
            ).delete()


@transaction.atomic
def refresh(org_ids, parts=tuple(PARTS)) -> int:
    """Count these organizations' own records again, for these parts of the totals (all by default), and carry the
    differences up the tree; returns the rows changed. Only the rows that differ are written."""
    from grassroots.organizations.models import Organization

    org_ids = sorted({int(pk) for pk in org_ids if pk is not None})
    if not org_ids:
        return 0
    # The organizations locked first (in order), then their records counted: a transaction changing the same
    # organization's records waits here until this one commits, and counts them after it, its own change included.
    list(
        Organization.objects.select_for_update(no_key=True)
        .filter(pk__in=org_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    fresh = _own(org_ids, parts)
    stored = {
        (org, key): [n, a, b]
        for org, key, n, a, b in SubtreeTotal.objects.filter(
            _part_keys(parts), organization_id__in=org_ids, subtree=False
        )
        .values_list("organization_id", "key", "n", "a", "b")
        .iterator(chunk_size=20000)
    }
    deltas = {}
    for key in fresh.keys() | stored.keys():
        new, old = fresh.get(key, [0, ZERO, ZERO]), stored.get(key, [0, ZERO, ZERO])
        diff = [new[0] - old[0], Decimal(new[1]) - Decimal(old[1]), Decimal(new[2]) - Decimal(old[2])]
        if any(diff):
            deltas[key] = diff
    if not deltas:
        return 0
    # The own rows that differ set to their new counts (a row counted no more set to zero, then removed).
    _upsert(
        [(org, False, key, *fresh.get((org, key), (0, ZERO, ZERO))) for org, key in deltas],
        add=False,
    )
    _add_to_trees(deltas, _ancestor_ids(_paths({org for org, _key in deltas})))
    return len(deltas)


@transaction.atomic
def moved(organization, old_path: str) -> None:
    """An organization moved with its subtree: its subtree's totals leave the organizations above its old place and
    join those above its new one."""
    from grassroots.organizations.models import Organization, ancestor_paths

    rows = {
        (organization.pk, r.key): [r.n, r.a, r.b]
        for r in SubtreeTotal.objects.filter(organization=organization, subtree=True)
    }
    old_above = list(Organization.objects.filter(path__in=ancestor_paths(old_path)[:-1]).values_list("pk", flat=True))
    organization.refresh_from_db()
    new_above = list(
        Organization.objects.filter(path__in=ancestor_paths(organization.path)[:-1]).values_list("pk", flat=True)
    )
    _add_to_trees(rows, {organization.pk: old_above}, sign=-1)
    _add_to_trees(rows, {organization.pk: new_above})


# At most this many organizations are counted at a time by `rebuild`, in whole subtrees, so that the subtree rows of
# each are complete once the batch's own rows are counted: memory held by the batch (about 80 rows an organization),
# not by the tree.
REBUILD_BATCH = 2000


def _batches(paths: dict[int, str], limit: int) -> tuple[list[list[int]], list[int]]:
    """The organizations in batches of whole subtrees, at most `limit` organizations each (each subtree the largest
    whose parent's is larger than `limit`), and the organizations left above them (their subtrees larger)."""
    from grassroots.organizations.models import Organization, ancestor_paths

    step = Organization.steplen
    size: dict[str, int] = defaultdict(int)
    for path in paths.values():
        for above in ancestor_paths(path):
            size[above] += 1
    top, batches = [], [[]]
    for pk, path in sorted(paths.items(), key=lambda item: item[1]):  # a subtree's organizations follow its root
        if size[path] > limit:
            top.append(pk)
        elif len(path) > step and size[path[:-step]] <= limit:
            batches[-1].append(pk)  # below a subtree's root, placed just before in this batch
        else:
            if len(batches[-1]) + size[path] > limit:
                batches.append([])
            batches[-1].append(pk)
    return [batch for batch in batches if batch], top


def _compare(org_ids: list[int], wanted: dict[tuple[int, bool, str], tuple]) -> int:
    """Make the rows kept for these organizations the wanted ones (every row of theirs is in `wanted`); returns how
    many differed (a row changed counts twice: the one kept and the one wanted, as a row missing and one too many)."""
    stale = []
    kept = SubtreeTotal.objects.filter(organization_id__in=org_ids).values_list(
        "pk", "organization_id", "subtree", "key", "n", "a", "b"
    )
    for pk, org, subtree, key, n, a, b in kept.iterator(chunk_size=20000):
        if wanted.get((org, subtree, key)) == (n, Decimal(a), Decimal(b)):
            del wanted[(org, subtree, key)]
        else:
            stale.append(pk)
    for start in range(0, len(stale), 5000):
        SubtreeTotal.objects.filter(pk__in=stale[start : start + 5000]).delete()
    SubtreeTotal.objects.bulk_create(
        (SubtreeTotal(organization_id=o, subtree=s, key=k, n=n, a=a, b=b) for (o, s, k), (n, a, b) in wanted.items()),
        batch_size=5000,
    )
    return len(stale) + len(wanted)


@transaction.atomic
def rebuild(batch: int = REBUILD_BATCH) -> int:
    """Count every row from the records; returns how many rows differed from those kept (none when they were kept).

    Subtree by subtree (`_batches`): a batch's own rows are counted, its subtree rows summed from them, compared with
    those kept and written where they differ; what the batch adds to the organizations above it is kept aside (a few
    organizations), and theirs are compared last."""
    from grassroots.organizations.models import Organization, ancestor_paths

    paths = dict(Organization.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    batches, top = _batches(paths, batch)
    top_set = set(top)
    above: dict[tuple[int, str], list] = defaultdict(lambda: [0, ZERO, ZERO])  # subtree rows of the organizations above

    def add_up(rows: dict, org_ids) -> dict:
        """The subtree rows of `org_ids` summed from the own `rows`; what goes above them added to `above`."""
        tree: dict[tuple[int, str], list] = defaultdict(lambda: [0, ZERO, ZERO])
        for (org, key), (n, a, b) in rows.items():
            for path in ancestor_paths(paths[org]):
                target = by_path.get(path)
                if target is None:
                    continue
                row = (tree if target in org_ids else above)[(target, key)]
                row[0] += n
                row[1] += Decimal(a)
                row[2] += Decimal(b)
        return tree

    differing = 0
    for org_ids in batches:
        own = _own(org_ids)
        tree = add_up(own, set(org_ids))
        wanted = {(org, False, key): (n, Decimal(a), Decimal(b)) for (org, key), (n, a, b) in own.items()}
        del own
        wanted.update({(org, True, key): tuple(v) for (org, key), v in tree.items() if any(v)})
        del tree
        differing += _compare(org_ids, wanted)
    own = _own(top) if top else {}
    add_up(own, set())  # the organizations above count their own records in their subtree rows too
    wanted = {(org, False, key): (n, Decimal(a), Decimal(b)) for (org, key), (n, a, b) in own.items()}
    wanted.update({(org, True, key): tuple(v) for (org, key), v in above.items() if org in top_set and any(v)})
    differing += _compare(top, wanted)
    return differing


# --- reading them --------------------------------------------------------------------------------------------------


def rows_of(org_ids, prefix: str = "") -> list[tuple[int, str, int, Decimal, Decimal]]:
    """The subtree rows of these organizations whose key starts with `prefix`: (organization id, key, n, a, b)."""
    qs = SubtreeTotal.objects.filter(organization_id__in=list(org_ids), subtree=True)
    if prefix:
        qs = qs.filter(key__startswith=prefix)
    return list(qs.values_list("organization_id", "key", "n", "a", "b"))


def month_of(key: str) -> dt.date:
    """The first day of the month a key counts (`...|2026-03`)."""
    year, month = key.rsplit("|", 1)[-1].split("-")
    return dt.date(int(year), int(month), 1)


# --- what tells them: the signals of the apps below -------------------------------------------------------------------


def _assignments_changed(sender, ids=(), **kwargs):
    from grassroots.duties.models import Assignment

    orgs = Assignment.objects.filter(pk__in=list(ids)).values_list("organization_id", flat=True).distinct()
    refresh(orgs, parts=("assignments",))


def _meeting_changed(sender, instance, **kwargs):
    refresh([instance.organization_id], parts=("meetings",))


def _study_changed(sender, instance, **kwargs):
    from grassroots.organizations.models import Member

    refresh(Member.objects.filter(pk=instance.member_id).values_list("organization_id", flat=True), parts=("study",))


def _member_saving(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._totals_was = sender.objects.filter(pk=instance.pk).values_list("organization_id", flat=True).first()


def _member_changed(sender, instance, **kwargs):
    # a member who moves takes their study hours along; their status counts them among the members
    refresh([instance.organization_id, getattr(instance, "_totals_was", None)], parts=("members", "study"))


def _organization_changed(sender, instance, **kwargs):
    refresh([instance.pk])


def _records_written(sender, organization_ids=None, **kwargs):
    if organization_ids is None:
        rebuild()
    else:
        refresh(organization_ids)


def _organization_moved(sender, organization, old_path, **kwargs):
    moved(organization, old_path)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from grassroots.core import signals as core_signals
    from grassroots.duties.signals import assignments_changed
    from grassroots.organizations.models import Member, Organization
    from grassroots.orglife.models import Meeting, StudyRecord

    uid = "site.dashboards.totals."
    assignments_changed.connect(_assignments_changed, dispatch_uid=uid + "assignments")
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(_meeting_changed, sender=Meeting, dispatch_uid=f"{uid}meeting.{name}")
        signal.connect(_study_changed, sender=StudyRecord, dispatch_uid=f"{uid}study.{name}")
        signal.connect(_member_changed, sender=Member, dispatch_uid=f"{uid}member.{name}")
    pre_save.connect(_member_saving, sender=Member, dispatch_uid=uid + "member.saving")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid=uid + "organization")
    core_signals.records_written.connect(_records_written, dispatch_uid=uid + "written")
    core_signals.organization_moved.connect(_organization_moved, dispatch_uid=uid + "moved")
