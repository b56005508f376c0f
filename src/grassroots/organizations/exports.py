"""Excel exports of members, restricted by the policy and masked as the role requires; written streaming."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from grassroots.core.audit import audit
from grassroots.core.cells import xlsx_row
from grassroots.core.policy import Action, require

from .models import MemberStatus, Organization, mask_id_number, mask_phone
from .selectors import member_list

COLUMNS = (
    ("name", "姓名", "Name"),
    ("gender", "性别", "Gender"),
    ("ethnicity", "民族", "Ethnicity"),
    ("birth_date", "出生日期", "Birth date"),
    ("education", "学历", "Education"),
    ("id_number", "身份证号", "ID number"),
    ("phone", "联系电话", "Phone"),
    ("category", "党员类别", "Category"),
    ("joined_on", "入党日期", "Joined on"),
    ("confirmed_on", "转正日期", "Full membership on"),
    ("organization__name", "所在党组织", "Organization"),
    ("organization__code", "组织编码", "Organization code"),
)


def member_headers(language: str) -> list[str]:
    return [en if language.startswith("en") else zh for _key, zh, en in COLUMNS]


def members_xlsx(
    *, user, organization: Organization, target, unmasked: bool = False, language: str | None = None
) -> tuple[int, str]:
    """Write a subtree's members as .xlsx into `target` (a path or binary file); returns (rows, file name)."""
    from django.utils.translation import get_language

    require(user, Action.EXPORT, organization)
    if unmasked:
        require(user, Action.VIEW_PERSONAL, organization)
    language = language or get_language() or "zh-hans"
    from .models import Education, Gender, MemberCategory

    labels = {
        "gender": dict(Gender.choices),
        "education": dict(Education.choices),
        "category": dict(MemberCategory.choices),
    }
    rows = (
        member_list(user=user, action=Action.EXPORT, organization=organization, subtree=True)
        .filter(status=MemberStatus.ACTIVE)
        .order_by("organization__path", "name", "id")
        .values_list(*[key for key, _zh, _en in COLUMNS])
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    sheet.append(member_headers(language))
    count = 0
    for row in rows.iterator(chunk_size=2000):
        row = list(row)
        row[1] = str(labels["gender"].get(row[1], row[1]))
        row[4] = str(labels["education"].get(row[4], row[4] or ""))
        row[7] = str(labels["category"].get(row[7], row[7]))
        if not unmasked:
            row[5] = mask_id_number(row[5] or "")
            row[6] = mask_phone(row[6] or "")
        sheet.append(xlsx_row(sheet, row))
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
