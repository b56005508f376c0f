"""Disclosure in the demo year (after the honours): the county rules that rectifications must be public in its
county, 新街镇 leaves commendations to its branches' choice and 青山村 publishes them, releases the minutes of its
latest meetings and posts a notice to its public site; the county and 新街镇 post notices to their subtrees, and the
member reads the county's. Through the services only."""

from grassroots.orglife.models import Meeting, MeetingState


class _DisclosureYear:
    """The public sites and the notices of the demo county."""

    MINUTES_RELEASED = 3

    def _disclosure(self) -> None:
        from grassroots.disclosure import services as disclosure
        from grassroots.disclosure.models import Item, Level

        county, wang = self.users["county"], self.users["township"]
        li = self.users["secretary"]
        disclosure.disclosure_rule_set(
            actor=county, organization=self.county, item=Item.RECTIFICATIONS, level=Level.MUST
        )
        disclosure.disclosure_rule_set(actor=wang, organization=self.township, item=Item.COMMENDATIONS, level=Level.MAY)
        self.counts["disclosure_rules"] += 2
        disclosure.publication_publish(actor=li, organization=self.village, item=Item.COMMENDATIONS)
        held = (
            Meeting.objects.filter(organization=self.village, state=MeetingState.HELD)
            .exclude(minutes="")
            .order_by("-held_on", "-pk")[: self.MINUTES_RELEASED]
        )
        for meeting in held:
            disclosure.minutes_release(actor=li, meeting=meeting)
            self.counts["minutes_released"] += 1
        year = self.year
        posted = disclosure.notice_post(
            actor=county,
            organization=self.county,
            title=f"关于开展{year}年度基层党组织书记抓党建述职评议考核工作的通知",
            body=(
                "各乡镇党委、县直各党（工）委：\n\n"
                f"按照县委安排，{year}年度基层党组织书记抓党建工作述职评议考核于年底前完成。"
                "请各基层党组织对照党建工作责任清单，如实填报完成情况，按期提交述职报告。\n\n"
                "中共青山县委组织部"
            ),
            public=True,
        )
        disclosure.notice_read(actor=self.member_user, notice=posted)
        disclosure.notice_post(
            actor=county,
            organization=self.county,
            title="关于报送党员信息采集表的通知",
            body="请各党支部于本月底前核对党员信息，报送党员信息采集表（内部通知，不对外公开）。",
            public=False,
        )
        disclosure.notice_post(
            actor=wang,
            organization=self.township,
            title="关于召开主题党日活动的通知",
            body="各村党支部：本月主题党日请围绕乡村振兴开展，活动情况于次月5日前报镇党委。",
            public=False,
        )
        disclosure.notice_post(
            actor=li,
            organization=self.village,
            title="村务和党务公开栏更新",
            body="本季度党务公开内容已更新，欢迎党员群众监督。",
            public=True,
        )
        self.counts["notices"] += 4
