"""The demo accounts: who they are, what they see first, the people and grants behind them."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from grassroots.core.users import user_create
from grassroots.organizations.models import Grant, Member, Organization, Role
from grassroots.organizations.services import grant_create, member_account_link

from .tree import _Node, _Plan

DEMO_PASSWORD = "Grassroots-demo"  # ten characters or more of three kinds: the password rules

# (username, role label, what they see and do first): for the README and the login page of a demo.
DEMO_ACCOUNTS = [
    (
        "admin",
        Role.ADMIN.label,
        gettext_lazy("Sees the whole tree; manages accounts and roles, and the admin site."),
    ),
    (
        "county",
        Role.OFFICER.label,
        gettext_lazy(
            "Organization department of the county committee: sees every organization and member of the "
            "county, issues work down the tree and watches progress."
        ),
    ),
    (
        "township",
        Role.OFFICER.label,
        gettext_lazy(
            "Secretary of a township committee: sees the township's villages, communities and units, and "
            "reviews what their branches report."
        ),
    ),
    (
        "secretary",
        Role.SECRETARY.label,
        gettext_lazy(
            "Secretary of a village branch, often on a phone: sees what is due, records meetings and reports "
            "the branch's progress."
        ),
    ),
    (
        "member",
        gettext_lazy("Member"),
        gettext_lazy("A member of that village branch: sees their own record, their branch and their tasks."),
    ),
    (
        "auditor",
        Role.AUDITOR.label,
        gettext_lazy(
            "Discipline inspector of the county: reads everything in the township, the audit trail included, "
            "and changes nothing."
        ),
    ),
]

# The people behind the accounts (their branches are chosen in _plan_county); `days` since the last birthday.
_PEOPLE = {
    "secretary": dict(
        name="李德明", gender="M", age=58, days=100, joined_age=26, education="senior", occupation="村干部"
    ),
    "member": dict(name="张秀兰", gender="F", age=46, days=160, joined_age=31, education="junior", occupation="农民"),
    "township": dict(
        name="王建国", gender="M", age=52, days=220, joined_age=23, education="bachelor", occupation="公务员"
    ),
    "county": dict(name="周敏", gender="F", age=41, days=40, joined_age=21, education="master", occupation="公务员"),
    "auditor": dict(
        name="刘正平", gender="M", age=49, days=300, joined_age=24, education="bachelor", occupation="公务员"
    ),
}
_ADMIN_NAME = "系统管理员"
DEMO_COUNTY = ("青山县委", "Qingshan County Committee")
DEMO_TOWNSHIP = ("新街镇党委", "Xinjie Town Committee")
DEMO_VILLAGE = ("青山村党支部", "Qingshan Village Branch")


def demo_usernames() -> list[str]:
    return [username for username, _role, _text in DEMO_ACCOUNTS]


def demo_accounts() -> list[dict]:
    """The demo accounts with the names and organizations found in the database (or the planned ones)."""
    User = get_user_model()
    usernames = demo_usernames()
    names = dict(User.objects.filter(username__in=usernames).values_list("username", "first_name"))
    orgs = dict(Grant.objects.filter(user__username__in=usernames).values_list("user__username", "organization__name"))
    member_orgs = dict(
        Member.objects.filter(user__username__in=usernames).values_list("user__username", "organization__name")
    )
    planned = {
        "admin": (_ADMIN_NAME, DEMO_COUNTY[0]),
        "county": (_PEOPLE["county"]["name"], DEMO_COUNTY[0]),
        "township": (_PEOPLE["township"]["name"], DEMO_TOWNSHIP[0]),
        "secretary": (_PEOPLE["secretary"]["name"], DEMO_VILLAGE[0]),
        "member": (_PEOPLE["member"]["name"], DEMO_VILLAGE[0]),
        "auditor": (_PEOPLE["auditor"]["name"], DEMO_TOWNSHIP[0]),
    }
    out = []
    for username, role, text in DEMO_ACCOUNTS:
        name, organization = planned[username]
        organization = (
            orgs.get(username) or (member_orgs.get(username) if username == "member" else None) or organization
        )
        out.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(role),
                "description": str(text),
                "name": names.get(username) or name,
                "organization": organization,
            }
        )
    return out


def create_accounts(
    plan: _Plan, special_members: dict[str, int], special_nodes: dict[str, _Node], password: str
) -> int:
    """The demo accounts, linked to their members, with their grants; returns how many grants. Unlike the tree and
    its members (a seed, written in bulk), who may sign in and with what rights goes through the services, as the
    server's operator making accounts from its console (`grassroots createadmin`): each account, link and grant
    leaves its audit entry, and the password must pass the password rules."""
    operator = "demo"
    users = {}
    for username, _role, _text in DEMO_ACCOUNTS:
        admin = username == "admin"
        users[username] = user_create(
            actor=None,
            username=username,
            password=password,
            console=True,
            operator=operator,
            first_name=_ADMIN_NAME if admin else _PEOPLE[username]["name"],
            is_staff=admin,
            is_superuser=admin,
        )
    admin = users["admin"]
    for key, member_id in special_members.items():
        member_account_link(actor=admin, member=Member.objects.get(id=member_id), username=key)
    organizations = Organization.objects.in_bulk(
        [plan.nodes[0].id] + [special_nodes[key].id for key in ("county", "township", "village")]
    )
    grants = [
        ("admin", plan.nodes[0].id, Role.ADMIN),
        ("county", special_nodes["county"].id, Role.OFFICER),
        ("township", special_nodes["township"].id, Role.OFFICER),
        ("secretary", special_nodes["village"].id, Role.SECRETARY),
        ("auditor", special_nodes["township"].id, Role.AUDITOR),
    ]
    for username, organization_id, role in grants:
        grant_create(actor=admin, user=users[username], organization=organizations[organization_id], role=role)
    return len(grants)
