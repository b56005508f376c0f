"""The demo's signs of formalism (scene 14): the indexes built over the year's reports, then two villages of 新街镇
reporting on the township's theme day, the second with the first's text (village and names changed) and its photo
saved anew; a meeting recorded without minutes or attendance. The flags come from the detectors, through the
services, as they would in use."""

import datetime as dt
import io

from PIL import Image

from grassroots.duties import services as duties
from grassroots.duties.models import Assignment, Dimension, ProgressReport
from grassroots.insights.formalism import index
from grassroots.insights.models import Flag, TextSource
from grassroots.organizations.models import Organization
from grassroots.orglife import services as orglife

from .progress import _Upload

# 柳湾村's own report, and the copy another village sends with its names in place of these.
_ORIGINAL = (
    "{v}党支部于本月组织{n}名党员开展“乡村振兴我先行”主题党日。上午在村部重温入党誓词，书记{s}领学了县委全会精神；"
    "下午分三组清理了村口到小学的排水沟，给五组的{k}户独居老人送去米油，帮助修好了老祠堂旁的两盏路灯。"
    "活动中党员{p}主动认领了后山茶园步道的维护任务。支委会议定每月第二个周六为固定党日，由组织委员负责签到和照片。"
)
_NAMES = [("柳湾村", "周德兴", "何淑芬"), ("石桥村", "吴建平", "罗玉兰")]


def _resaved(data: bytes) -> bytes:
    """The same photo cropped a little and saved again: another file, the same picture."""
    with Image.open(io.BytesIO(data)) as image:
        w, h = image.size
        out = io.BytesIO()
        image.crop((w // 30, h // 30, w - w // 40, h - h // 30)).convert("RGB").save(out, "JPEG", quality=60)
        return out.getvalue()


class _FormalismYear:
    def _two_waiting(self) -> list:
        """新街镇 asks two of its villages (not 青山村) for the record of this month's theme day: their assignments."""
        wang = self.users["township"]
        villages = list(
            Organization.objects.filter(pk__in=self.xinjie).exclude(pk=self.village.pk).order_by("path")[:2]
        )
        if len(villages) < 2:
            return []
        period = self.period[self.year]
        due = min(max(self.today + dt.timedelta(days=5), period.start), period.end)
        duty = duties.duty_create(
            actor=wang,
            duty_list=duties.duty_list_for(actor=wang, organization=self.township, period=period),
            title="报送本月主题党日活动纪实",
            dimension=Dimension.POLITICAL,
            due_on=due,
            requirement="写明活动内容、参加人数和为群众办的实事，附现场照片。",
        )
        duties.duty_issue(actor=wang, duty=duty, targets=villages)
        self.counts["duties"] += 1
        self.counts["assignments"] += 2
        return list(Assignment.objects.filter(duty=duty).select_related("organization").order_by("organization__path"))

    def _formalism(self) -> None:
        admin = self.users["admin"]
        texts = ProgressReport.objects.values_list("text", flat=True)
        self.counts["stop_shingles"] = index.relearn_stop_list(list(texts), source=TextSource.REPORT)
        rows = ProgressReport.objects.values_list(
            "pk", "text", "assignment__organization_id", "assignment__duty__duty_list__period_id", "assignment_id"
        ).order_by("pk")
        self.counts["texts_indexed"] = index.bulk_index_texts(
            source=TextSource.REPORT, rows=(r for r in rows.iterator(chunk_size=2000) if r[3] is not None)
        )
        # Two of 新街镇's villages still to report on its theme day: the second copies the first.
        waiting = self._two_waiting()
        if len(waiting) >= 2:
            shot = self._photo()
            for k, (a, names) in enumerate(zip(waiting[:2], _NAMES, strict=True)):
                village = a.organization.name.removesuffix("党支部")
                text = _ORIGINAL.format(v=village, n=17 + 4 * k, s=names[1], k=6 + k, p=names[2])
                photo = shot if k == 0 else _resaved(shot)
                upload = _Upload(photo, f"IMG_theme_day_{k + 1}.jpg")
                duties.report_submit(actor=admin, assignment=a, text=text, percent=100, files=[upload])
                self.counts["reports"] += 1
                self.counts["evidence"] += 1
        # A meeting recorded as held with nothing in it.
        other = next((b for b in self.xinjie if b != self.village.pk), None)
        if other is not None:
            orglife.meeting_record(
                actor=admin,
                organization=Organization.objects.get(pk=other),
                kind="committee",
                held_on=self.today,
                topic="支委会",
            )
        self.counts["flags"] = Flag.objects.count()
