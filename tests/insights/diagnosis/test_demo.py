"""The demo shows the findings of the diagnosis its records make, over the demo county for this year and the year
assessed, every check of the four problems among them (a general branch founded with no member yet, a branch that
held no appraisal, one whose members working away did nothing all year), and its thresholds nearest-wins."""

import datetime as dt

from tests import shelf

DEMO_DAY = dt.date(2026, 6, 15)


def _demo():
    from grassroots.demo import build_demo

    return build_demo(scale="tiny", seed=1, today=DEMO_DAY)


diagnosis_demo = shelf.shelved("diagnosis_demo", _demo, doc="The tiny demo of 2026 (assessed year 2025).")


def test_the_demo_shows_every_finding(diagnosis_demo):
    from grassroots.core.periods import period_for
    from grassroots.insights.diagnosis import engine
    from grassroots.insights.diagnosis.checks import CHECKS
    from grassroots.insights.models import DiagnosedOrganization

    root = DiagnosedOrganization.objects.get(depth=1)
    found = set()
    for code in ("2025", "2026"):
        summary = engine.summarize(
            organizations=DiagnosedOrganization.objects.filter(root.subtree_q()),
            period=period_for(code),
            root_path=root.path,
        )
        found |= {r.check.code for r in summary.ranked}
    own = ("guidance", "vanguard", "integration", "incentives")  # the diagnosis part's checks, not the other parts'
    mine = {code for code in CHECKS if code.split(".")[0] in own}
    assert mine - found == set()


def test_the_demo_has_an_organization_for_each_check_no_other_record_shows(diagnosis_demo):
    from grassroots.core.periods import period_for
    from grassroots.insights.diagnosis import engine
    from grassroots.insights.models import DiagnosedOrganization

    root = DiagnosedOrganization.objects.get(depth=1)
    summary = engine.summarize(
        organizations=DiagnosedOrganization.objects.filter(root.subtree_q()),
        period=period_for("2026"),
        root_path=root.path,
    )
    where = {r.check.code: r for r in summary.ranked}
    for code in ("vanguard.no_members", "incentives.appraisal", "vanguard.never_active"):
        assert where[code].organizations >= 1, code
    community = DiagnosedOrganization.objects.get(name__endswith="易地搬迁安置社区党总支")
    assert community.kind == "general_branch" and community.numchild == 0
    assert community.founded_on == DEMO_DAY - dt.timedelta(days=21)


def test_the_demo_thresholds_nearest_wins(diagnosis_demo):
    from decimal import Decimal

    from grassroots.insights.diagnosis import engine
    from grassroots.organizations.models import Organization

    township = Organization.objects.get(name="新街镇党委")
    village = Organization.objects.filter(path__startswith=township.path, kind="branch").first()
    other = Organization.objects.filter(kind="branch").exclude(path__startswith=township.path).first()
    assert engine.threshold_for("integration.linked", village.path) == Decimal("0.40")
    assert engine.threshold_for("integration.linked", other.path) == Decimal("0.25")
    assert engine.threshold_for("guidance.study_hours", other.path) == Decimal("0.80")
    assert engine.threshold_for("vanguard.appraisal", village.path) == Decimal("0.02")
