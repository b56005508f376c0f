"""Excel exports of members, restricted by the policy and masked as the role requires; written streaming."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grassroots.core.audit import audit
from grassroots.core.cells import xlsx_row
from grassroots.core.policy import Action, require

from .importing.columns import MEMBER_COLUMNS
from .models import PERSONAL_MASKS, Member, MemberStatus, Organization
from .selectors import member_list

# The member's fields, then where the member belongs, headed as the import reads them (an export imports again).
COLUMNS = (
    *((name, MEMBER_COLUMNS[name]) for name in Member.EDITABLE_FIELDS),
    ("organization__name", MEMBER_COLUMNS["organization"]),
    ("organization__code", MEMBER_COLUMNS["org_code"]),
)


def member_headers(language: str) -> list[str]:
    return [column.en if language.startswith("en") else column.zh for _key, column in COLUMNS]


def _cells(row, labels: dict[int, dict], masked: tuple[int, ...]) -> list:
    """A row of values as the sheet shows them: choices by their label, personal data masked where asked."""
    row = list(row)
    for index, choices in labels.items():
        row[index] = str(choices.get(row[index], row[index] or ""))
    for index in masked:
        row[index] = PERSONAL_MASKS[COLUMNS[index][0]](row[index] or "")
    return row


def members_xlsx(
    *, user, organization: Organization, target, unmasked: bool = False, language: str | None = None
) -> tuple[int, str]:
    """Write a subtree's members as .xlsx into `target` (a path or binary file); returns (rows, file name)."""
    from django.utils.translation import get_language

    require(user, Action.EXPORT, organization)
    if unmasked:
        require(user, Action.VIEW_PERSONAL, organization)
    language = language or get_language() or "zh-hans"
    keys = [key for key, _column in COLUMNS]
    labels = {
        index: dict(Member._meta.get_field(key).flatchoices)
        for index, key in enumerate(keys)
        if "__" not in key and Member._meta.get_field(key).choices
    }
    masked = () if unmasked else tuple(keys.index(name) for name in Member.PERSONAL_FIELDS)
    rows = (
        member_list(user=user, action=Action.EXPORT, organization=organization, subtree=True)
        .filter(status=MemberStatus.ACTIVE)
        .order_by("organization__path", "name", "id")
        .values_list(*keys)
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    sheet.append(member_headers(language))
    count = 0
    for row in rows.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, _cells(row, labels, masked)))
        count += 1
    workbook.save(target)
    audit(
        "core.export",
        actor=user,
        obj=organization,
        after={"what": "members", "rows": count, "unmasked": unmasked},
    )
    stamp = timezone.localdate().isoformat()
    return count, f"members-{organization.code}-{stamp}.xlsx"
