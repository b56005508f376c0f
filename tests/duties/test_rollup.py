"""Roll-up correctness: the grouped SQL equals the sum computed naively, on generated trees (hypothesis)."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from grassroots.duties import selectors
from grassroots.duties.models import Assignment, AssignmentState, Duty, DutyList
from grassroots.duties.services import lineage_of, period_for
from grassroots.organizations.models import Organization

STATES = [
    AssignmentState.ISSUED,
    AssignmentState.IN_PROGRESS,
    AssignmentState.SUBMITTED,
    AssignmentState.RETURNED,
    AssignmentState.ACCEPTED,
]
TODAY = dt.date(2026, 6, 15)

tree_shape = st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=5)  # children per township
assignment_plan = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30),  # which organization (mod count)
        st.sampled_from(STATES),
        st.integers(min_value=-10, max_value=10),  # due in days
        st.sampled_from([Decimal("1"), Decimal("2"), Decimal("0.5")]),
        st.booleans(),  # on the decomposed duty or the root one
    ),
    min_size=0,
    max_size=25,
)


class RollupTest(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shape=tree_shape, plan=assignment_plan)
    def test_grouped_rollup_equals_the_naive_sum(self, shape, plan):
        root = Organization.objects.add_root(create_kwargs={"code": "R", "name": "县委", "kind": "committee"})
        orgs = []
        for i, n_branches in enumerate(shape):
            root.refresh_from_db()
            town = Organization.objects.add_child(
                root, create_kwargs={"code": f"T{i}", "name": f"镇{i}", "kind": "committee", "parent": root}
            )
            orgs.append(town)
            for j in range(n_branches):
                town.refresh_from_db()
                orgs.append(
                    Organization.objects.add_child(
                        town,
                        create_kwargs={"code": f"T{i}B{j}", "name": f"村{i}-{j}", "kind": "branch", "parent": town},
                    )
                )
        period = period_for("2026")
        duty_list = DutyList.objects.create(organization=root, period=period, title="清单")
        duty = Duty.objects.create(
            duty_list=duty_list,
            organization=root,
            title="主题党日",
            dimension="political",
            due_on=TODAY,
            requirement="r",
        )
        duty.lineage = lineage_of(duty.pk)
        duty.save()
        sub = Duty.objects.create(
            duty_list=duty_list, organization=root, title="分解", dimension="political", due_on=TODAY, requirement="r"
        )
        sub.lineage = lineage_of(sub.pk, duty.lineage)
        sub.save()
        used = set()
        rows = []
        for org_index, state, days, weight, on_sub in plan:
            org = orgs[org_index % len(orgs)]
            target = sub if on_sub else duty
            if (target.pk, org.pk) in used:
                continue
            used.add((target.pk, org.pk))
            rows.append(
                Assignment(
                    duty=target,
                    organization=org,
                    state=state,
                    due_on=TODAY + dt.timedelta(days=days),
                    weight=weight,
                )
            )
        Assignment.objects.bulk_create(rows)

        def naive(assignments):
            total = len(assignments)
            accepted = [a for a in assignments if a.state == AssignmentState.ACCEPTED]
            weight = sum((a.weight for a in assignments), Decimal(0))
            done = sum((a.weight for a in accepted), Decimal(0))
            red = sum(1 for a in assignments if a.state != AssignmentState.ACCEPTED and a.due_on < TODAY)
            return total, len(accepted), round(100.0 * float(done) / float(weight), 1) if weight else 0.0, red

        progress = selectors.duty_progress(duty, today=TODAY)
        expected = naive(rows)
        got = (progress["total"], progress["accepted"], progress["completion"], progress["red"])
        assert got == expected

        by_child = selectors.progress_by_child(organization=root, duty=duty, today=TODAY)
        for town in (o for o in orgs if o.depth == 2):
            inside = [a for a in rows if a.organization.path.startswith(town.path)]
            row = by_child.get(town.path)
            if not inside:
                assert row is None
                continue
            assert (row["total"], row["accepted"], row["completion"], row["red"]) == naive(inside)


# ------------------------------------------------------------------ a middle assignment counts through its children


def test_a_decomposed_middle_assignment_counts_through_its_children(county, duty_at):
    """The county issues to one township, which decomposes it to three branches: one accepted reads a third, not the
    20% it read when the township's own middle assignment (weight 2) was a fourth item."""
    from grassroots.duties import services
    from grassroots.duties.models import ProgressReport, ReportState
    from tests.factories import add_org

    v13 = add_org(county.t1, "三河村党支部", "branch", "village", code="C-T1-V3")
    duty = duty_at(county)
    services.duty_issue(actor=county.users.officer, duty=duty, targets=[county.t1])
    middle = Assignment.objects.get(duty=duty, organization=county.t1)
    Assignment.objects.filter(pk=middle.pk).update(weight=Decimal("2"))
    middle.refresh_from_db()
    sub = services.duty_decompose(actor=county.users.t1_officer, assignment=middle, requirement="每村一份")
    services.duty_issue(actor=county.users.t1_officer, duty=sub, targets=[county.v11, county.v12, v13])
    Assignment.objects.filter(duty=sub, organization=county.v11).update(state=AssignmentState.ACCEPTED)

    progress = selectors.duty_progress(duty)
    assert (progress["total"], progress["accepted"], progress["completion"]) == (3, 1, 33.3)
    assert selectors.progress_by_child(organization=county.county, duty=duty)[county.t1.path]["total"] == 3
    assert selectors.subtree_progress(organization=county.t1)["total"] == 3

    # All three accepted: the duty is done, though nobody reported on the township's middle assignment itself.
    Assignment.objects.filter(duty=sub).update(state=AssignmentState.ACCEPTED)
    progress = selectors.duty_progress(duty)
    assert (progress["completion"], progress["light"]) == (100.0, "done")

    # Reported on its own, the middle assignment counts again as an item of its own.
    ProgressReport.objects.create(
        assignment=middle, author=county.users.t1_officer, text="镇里汇总", percent=50, state=ReportState.SUBMITTED
    )
    progress = selectors.duty_progress(duty)
    assert (progress["total"], progress["accepted"], progress["weight_total"]) == (4, 3, 5.0)


def test_the_duty_page_states_how_progress_is_counted(county, duty_at, client):
    from django.urls import reverse

    duty = duty_at(county)
    client.force_login(county.users.officer)
    page = client.get(reverse("duties:duty", args=[duty.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is not counted as an item of its own" in page
