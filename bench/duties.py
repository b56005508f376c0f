"""Issuing down and roll-ups at scale: one bulk issue to every branch, then progress over the whole tree."""

import datetime as dt
import random
import time

from django.contrib.auth import get_user_model
from django.db import transaction

from bench.stats import SAMPLES, alternate, ratio, summary, timed


def run() -> dict:
    from grassroots.duties import selectors, services
    from grassroots.duties.models import Assignment, AssignmentState, Dimension
    from grassroots.organizations.models import Organization

    root = Organization.objects.filter(depth=1).order_by("path").first()
    admin = get_user_model().objects.filter(is_superuser=True).first()
    year = dt.date.today().year
    period = services.period_for(str(year))
    duty_list = services.duty_list_for(actor=admin, organization=root, period=period)
    figures = {}
    with transaction.atomic():
        duty = services.duty_create(
            actor=admin,
            duty_list=duty_list,
            title=f"bench {time.time():.0f}",
            dimension=Dimension.POLITICAL,
            due_on=dt.date(year, 12, 31),
            requirement="bench",
        )
        targets = services.resolve_targets(issuer=root, mode="kind", kind="branch")
        start = time.perf_counter()
        count = services.duty_issue(actor=admin, duty=duty, targets=targets)
        figures["issue_seconds"] = time.perf_counter() - start
        figures["issue_assignments"] = count
    ids = list(Assignment.objects.filter(duty=duty).values_list("id", flat=True))
    rng = random.Random(1)
    rng.shuffle(ids)
    accepted, submitted = ids[: len(ids) * 6 // 10], ids[len(ids) * 6 // 10 : len(ids) * 8 // 10]
    Assignment.objects.filter(pk__in=accepted).update(state=AssignmentState.ACCEPTED)
    Assignment.objects.filter(pk__in=submitted).update(state=AssignmentState.SUBMITTED)

    def sampled(name, fn):
        times, value = [], None
        for _ in range(SAMPLES):
            seconds, value = timed(fn)
            times.append(seconds)
        figures.update(summary(name, times))
        return value

    by_child = sampled("rollup_children_seconds", lambda: selectors.progress_by_child(organization=root, duty=duty))
    progress = sampled("rollup_duty_seconds", lambda: selectors.duty_progress(duty))
    sampled("rollup_subtree_seconds", lambda: selectors.subtree_progress(organization=root, period=period))
    children = list(Organization.objects.filter(parent=root))
    grouped, one_by_one, _g, _o = alternate(
        lambda: selectors.progress_by_child(organization=root, duty=duty),
        lambda: {c.path: selectors.subtree_progress(organization=c, period=period) for c in children},
    )
    figures.update(summary("rollup_children_naive_seconds", one_by_one))
    figures.update(ratio("rollup_naive_over_grouped", one_by_one, grouped))
    assert progress["total"] == count
    assert sum(r["total"] for r in by_child.values()) == count
    Assignment.objects.filter(duty=duty).delete()
    duty.delete()
    return figures
