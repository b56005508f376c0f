"""Appeals from the public in the demo year (scene 13, after disclosure): a villager asks 青山村党支部 on its public
page to fix the broken street lights on the east road; the branch turns it into a duty with a responsible member and a
date, reports progress on it, and the villager follows it by her code and rates the answer. Beside it, the other
states a branch meets: an appeal answered and rated low, one closed with its reason, one new and unread, and one
left overdue at Baishi. Through the services; only the arrival times are moved back, so that response times read as
they would after weeks of use."""

import datetime as dt
import time

from django.utils import timezone

from grassroots.organizations.models import Member

# The follow code of the street lights' appeal, so that the scene can be walked on the demo (README).
STREET_LIGHTS_CODE = "EASTRQAD7GHT"


class _AppealsYear:
    """The masses' appeals to the demo county's branches."""

    def _submit(self, organization, text, *, kind="problem", category="roads", phone="", days_ago=0, client=""):
        from grassroots.insights.appeals import services as appeals
        from grassroots.insights.models import Appeal

        stamp = appeals.form_stamp(organization=organization, now=time.time() - 120)
        appeal, code = appeals.appeal_submit(
            organization=organization,
            kind=kind,
            category=category,
            text=text,
            phone=phone,
            client=client or f"demo-{self.counts['appeals']}",
            stamp=stamp,
            limited=False,  # entered on the villagers' behalf: the public form's limits are not theirs
        )
        arrived = timezone.now() - dt.timedelta(days=days_ago, hours=3)
        Appeal.objects.filter(pk=appeal.pk).update(created_at=arrived, updated_at=arrived)
        self.counts["appeals"] += 1
        appeal.refresh_from_db()
        return appeal, code

    def _responded_after(self, appeal, days: float) -> None:
        """The branch's response dated `days` after the appeal arrived (the services date it now)."""
        from grassroots.insights.models import Appeal

        at = appeal.created_at + dt.timedelta(days=days)
        seconds = int(days * 86400)
        Appeal.objects.filter(pk=appeal.pk).update(first_response_at=at, response_seconds=seconds, read_at=at)

    def _appeals(self) -> None:
        from grassroots.duties import services as duties
        from grassroots.insights.appeals import services as appeals
        from grassroots.insights.models import Appeal, hash_follow_code

        li = self.users["secretary"]
        village = self.village
        # Scene 13: the street lights on the east road.
        lights, _code = self._submit(
            village,
            "东路上的路灯坏了五六盏，已经一个多月了，晚上老人孩子走路看不清，请支部帮忙联系修一修。",
            phone="13907310523",
            days_ago=12,
        )
        Appeal.objects.filter(pk=lights.pk).update(follow_hash=hash_follow_code(STREET_LIGHTS_CODE))
        responsible = (
            Member.objects.filter(user=self.member_user).first()
            or Member.objects.filter(organization=village, status="active").order_by("pk").first()
        )
        # The services date the appeal's handling now, whatever day the demo is built as: due in the future of both.
        due = max(self.today, timezone.localdate()) + dt.timedelta(days=20)
        lights = appeals.appeal_to_duty(
            actor=li,
            appeal=lights,
            responsible=responsible,
            due_on=due,
            title="修复东路路灯",
            answer="支部已将修复东路路灯列为责任事项，由党员负责联系镇供电所和施工队，月底前修好。",
        )
        self._responded_after(lights, 1.5)
        duties.report_submit(
            actor=li,
            assignment=lights.assignment,
            text="已联系镇供电所勘查，更换灯具三盏，其余两盏待线路检修后更换。",
            percent=60,
        )
        appeals.appeal_rate(appeal=lights, rating=5, comment="支部很快就来看了，已经亮了三盏，谢谢！")
        # An answer rated low, one closed with its reason, one new and unread.
        water, _code = self._submit(
            village, "村里自来水这几天水压很低，三楼以上没水。", category="roads", days_ago=20, client="demo-water"
        )
        appeals.appeal_answer(actor=li, appeal=water, answer="已向镇水厂反映，水厂说是管网检修，一周内恢复。")
        self._responded_after(water, 4)
        appeals.appeal_rate(appeal=water, rating=2, comment="一周过去了还是没水。")
        parcel, _code = self._submit(
            village, "建议在村委会门口装一个快递代收点。", kind="request", category="services", days_ago=9
        )
        appeals.appeal_close(actor=li, appeal=parcel, reason="快递代收点已由镇里统一规划，明年在村便民服务中心设立。")
        self._responded_after(parcel, 2)
        self._submit(
            village,
            "村东头的垃圾池满了好几天了，没人来拉。",
            category="environment",
            phone="13807315566",
            days_ago=1,
        )
        # Baishi's appeal left without a response past the days to answer in.
        self._submit(self.baishi_org(), "村里的文化广场晚上没有灯，跳广场舞不方便。", kind="request", days_ago=15)

    def baishi_org(self):
        from grassroots.organizations.models import Organization

        return Organization.objects.get(pk=self.baishi)
