import datetime as dt
import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots.duties import services as duties
from grassroots.duties.models import Assignment, Dimension
from grassroots.insights.formalism import evaluation

ORIGINAL = (
    "青山村党支部于3月5日在村部会议室组织18名党员开展乡村振兴主题党日，村东头路灯修好了，帮助独居老人6户。"
    "支部书记李建国带头清理村道垃圾，村容村貌焕然一新。活动中，党员王秀英、张志强主动认领任务，走访慰问老党员，"
    "共计25人次参与。青山村还发动30名群众一起整治河塘沟渠，西山脚下水渠疏通了，受到群众一致好评。"
    "利用微信群通报学习党章党规进展，12名在外党员积极响应。"
)
# The same report with another village, other people and other numbers, two sentences swapped.
COPY = (
    "支部书记王德明带头清理村道垃圾，村容村貌焕然一新。柳湾村党支部于3月9日在村部会议室组织21名党员开展乡村振兴"
    "主题党日，村东头路灯修好了，帮助独居老人8户。活动中，党员赵春梅、黄永福主动认领任务，走访慰问老党员，"
    "共计31人次参与。柳湾村还发动45名群众一起整治河塘沟渠，西山脚下水渠疏通了，受到群众一致好评。"
    "利用微信群通报学习党章党规进展，9名在外党员积极响应。"
)
# Another report on the same topic, written by its branch.
DISTINCT = (
    "白石村党支部3月组织党员到敬老院开展主题党日，为12位老人理发、打扫房间，并送去米油。"
    "随后在党群服务中心集中学习了中央一号文件精神，大家结合本村茶叶产业谈了体会。"
    "党员刘桂兰提出建设茶叶加工厂的建议，支委会已研究列入下季度计划。全体党员重温了入党誓词。"
)


def photo(seed=3, quality=90, name="photo.jpg", crop=0.0, scale=1.0) -> SimpleUploadedFile:
    image = evaluation.scene(np.random.default_rng(seed), "meeting_room")
    if crop:
        w, h = image.size
        image = image.crop((int(w * crop), int(h * crop), w - int(w * crop), h - int(h * crop)))
    if scale != 1.0:
        image = image.resize((int(image.size[0] * scale), int(image.size[1] * scale)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def period(db):
    return duties.period_for(str(timezone.localdate().year))


@pytest.fixture
def issued(county, period):
    """A theme day issued by township T1 to its two village branches: {org code: assignment}."""
    actor = county.users.t1_officer
    duty_list = duties.duty_list_for(actor=actor, organization=county.t1, period=period)
    due = min(max(timezone.localdate() + dt.timedelta(days=20), period.start), period.end)
    duty = duties.duty_create(
        actor=actor,
        duty_list=duty_list,
        title="每月开展一次乡村振兴主题党日",
        dimension=Dimension.POLITICAL,
        due_on=due,
        requirement="有照片、有签到表",
    )
    duties.duty_issue(actor=actor, duty=duty, targets=[county.v11, county.v12])
    return {a.organization.code: a for a in Assignment.objects.filter(duty=duty).select_related("organization")}


@pytest.fixture
def submit(county):
    """Report on an assignment as the branch's secretary (Qingshan's, or Liuwan's made here)."""
    from tests.factories import UserFactory, grant

    secretaries = {
        county.v11.pk: county.users.secretary,
        county.v12.pk: grant(UserFactory(username="liuwan-secretary"), county.v12, "secretary"),
    }

    def run(assignment, text, files=()):
        actor = secretaries[assignment.organization_id]
        return duties.report_submit(actor=actor, assignment=assignment, text=text, percent=100, files=list(files))

    return run
