"""Demo data: a realistic county (or city, or province) of organizations, members, posts and demo accounts.

Scales: tiny (tests: 2 townships, ~13 branches, ~270 members), county (~1,500 organizations, ~39,000
members), city (10 counties and the city's own units: ~16,000 / ~415,000), province (10 cities: ~150,000 /
~3.9 million). The figures follow section 3 of the domain reference: 13-15 townships of 14-20 villages,
rural branches of about 30 members (villages above 50 become a general branch with 2-4 branches), 10-20%
women and 35-50% over 60 in villages, ~2% probationary, county organs, schools, hospitals, enterprises and
county-seat communities around them.

Built for speed: the tree is planned in memory with its materialized paths computed here (treebeard's
layout: steplen 4, base-36 steps, numchild and depth stored), then written in bulk; members are drawn
with numpy from a seeded generator, so a seed always gives the same names, codes and ID numbers.
The tree and its members are a seed, not a user action: nothing of them is written to the audit trail. Who may sign
in, and with what rights, is: the demo accounts, their links to members and their grants go through the services
(accounts), each leaving its entry. On the tree, `year` builds a year of work.

The package is a top floor: it composes the apps (organizations, duties, orglife, assessment) and none of them
imports it. vocabulary: names and profiles; tree: the plan; members: members and posts; bulk: writing;
accounts: the demo accounts; year: the year of work.
"""

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.errors import ValidationError
from grassroots.organizations.models import Member, Organization, OrgKind

from .accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, create_accounts, demo_accounts, demo_usernames
from .bulk import delete_existing, next_pk, reset_app_sequences, reset_sequences, write_organizations
from .members import write_members
from .tree import _plan
from .year import build_year

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "SCALES",
    "DatabaseNotEmpty",
    "build_demo",
    "database_is_empty",
    "demo_accounts",
    "demo_usernames",
]

SCALES = ("tiny", "county", "city", "province")
DEMO_STEPS = 16  # the lines `build_demo` writes for the demo county (its progress bar on a terminal)


class DatabaseNotEmpty(ValidationError):
    """The demo is loaded only into an empty database, unless asked to reset it."""


def database_is_empty() -> bool:
    """No organizations, members or accounts yet: a fresh install that `make run` may fill with the demo."""
    return not (Organization.objects.exists() or Member.objects.exists() or get_user_model().objects.exists())


def build_demo(
    *,
    scale: str = "county",
    seed: int = 1,
    stdout=None,
    password: str = DEMO_PASSWORD,
    reset: bool = False,
    today: dt.date | None = None,
) -> dict:
    """Fill the database with a demo tree of `scale` (tiny, county, city, province); returns the counts.

    Refuses a database that already holds organizations, members or demo accounts, unless `reset` is
    given: then those are deleted first. The same seed gives the same data (dates are counted back from
    `today`, by default the current date).
    """
    if scale not in SCALES:
        raise ValidationError(
            _("Unknown demo scale %(scale)s; choose one of %(scales)s.") % {"scale": scale, "scales": ", ".join(SCALES)}
        )
    today = today or timezone.localdate()
    clock = time.monotonic()

    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(f"{text} ({time.monotonic() - clock:.1f} s)\n")

    with transaction.atomic():
        _make_room(reset=reset, say=say)
        plan = _plan(scale=scale, seed=seed, first_id=next_pk(Organization))
        counts = {kind: 0 for kind in OrgKind.values}
        for node in plan.nodes:
            counts[node.kind] += 1
        say(_("Planned %(n)s organizations") % {"n": f"{len(plan.nodes):,}"})
        write_organizations(plan)
        say(_("Wrote %(n)s organizations") % {"n": f"{len(plan.nodes):,}"})
        written = write_members(plan, today, say)
        grants = create_accounts(plan, written.pop("special_members"), plan.special_nodes, password)
        reset_sequences([Organization, Member])  # ids were given explicitly: move the sequences past them
        say(_("Created %(n)d demo accounts") % {"n": len(DEMO_ACCOUNTS)})

    result = {
        "scale": scale,
        "seed": seed,
        "organizations": len(plan.nodes),
        "committees": counts[OrgKind.COMMITTEE],
        "general_branches": counts[OrgKind.GENERAL_BRANCH],
        "branches": counts[OrgKind.BRANCH],
        "groups": counts[OrgKind.GROUP],
        **written,
        "users": len(DEMO_ACCOUNTS),
        "grants": grants,
        "seconds": round(time.monotonic() - clock, 1),
    }
    # A year of work on the tree: duties, meetings, the assessment.
    year = build_year(scale=scale, seed=seed, stdout=stdout, today=today)
    # The year founds an organization of its own (the resettlement community's general branch): the tree counts it.
    result["organizations"] += year.get("general_branches_founded", 0)
    result["general_branches"] += year.get("general_branches_founded", 0)
    result.update(year)
    reset_app_sequences()
    return result


def _make_room(*, reset: bool, say) -> None:
    """Refuse a database holding data, or (reset) delete the organizations, members and demo accounts first."""
    organizations = Organization.objects.count()
    taken = get_user_model().objects.filter(username__in=demo_usernames()).exists()
    if organizations or taken or Member.objects.exists():
        if not reset:
            raise DatabaseNotEmpty(
                _(
                    "The database already holds data (%(count)d organizations); the demo is loaded only into "
                    "an empty database. Reset it to delete the organizations, members and demo accounts first."
                )
                % {"count": organizations}
            )
        delete_existing()
        say(_("Deleted the existing organizations, members and demo accounts"))
