"""Django admin of organizational life.

Admins keep the rule books here (meeting rules, points rules, courses, study plans). The records themselves
(meetings, study, points, appraisals, care, talks) are written through the services, which check the policy and
audit every change, so the admin only reads them; the restricted care details and talk notes are not shown.
"""

from django.contrib import admin

from .models import (
    Appraisal,
    AppraisalResult,
    Attendance,
    CareCase,
    CareVisit,
    Meeting,
    MeetingFile,
    MeetingRule,
    PointEntry,
    PointRule,
    StudyCourse,
    StudyPlan,
    StudyRecord,
    Talk,
)


@admin.register(MeetingRule)
class MeetingRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "organization", "count", "per", "applies_to_groups")
    list_filter = ("kind", "per", "applies_to_groups")
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "source",
        "points",
        "per_hour",
        "daily_cap",
        "monthly_cap",
        "yearly_cap",
        "is_active",
    )
    list_filter = ("source", "is_active")
    search_fields = ("code", "name")


@admin.register(StudyCourse)
class StudyCourseAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "hours")
    search_fields = ("title",)
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(StudyPlan)
class StudyPlanAdmin(admin.ModelAdmin):
    list_display = ("organization", "period", "required_hours", "required_hours_cadre", "needs_confirmation")
    raw_id_fields = ("organization",)
    list_select_related = ("organization", "period")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services: readable here, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("member", "status", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MeetingFileInline(admin.TabularInline):
    model = MeetingFile
    extra = 0
    fields = ("original_name", "kind", "size", "sha256")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("held_on", "kind", "state", "organization", "topic")
    list_filter = ("kind", "state")
    search_fields = ("topic", "organization__name")
    date_hierarchy = "held_on"
    list_select_related = ("organization",)
    inlines = [AttendanceInline, MeetingFileInline]


@admin.register(StudyRecord)
class StudyRecordAdmin(ReadOnlyAdmin):
    list_display = ("studied_on", "member", "title", "hours", "state")
    list_filter = ("state",)
    search_fields = ("member__name", "title")
    list_select_related = ("member",)


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ("earned_on", "member", "rule", "points", "note", "corrects")
    list_filter = ("rule",)
    search_fields = ("member__name", "note")
    list_select_related = ("member", "rule", "corrects")


class AppraisalResultInline(admin.TabularInline):
    model = AppraisalResult
    extra = 0
    fields = ("member", "counts", "grade")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin):
    list_display = ("organization", "year", "state", "closed_at")
    list_filter = ("state", "year")
    list_select_related = ("organization",)
    inlines = [AppraisalResultInline]


@admin.register(CareCase)
class CareCaseAdmin(ReadOnlyAdmin):
    list_display = ("member", "category", "opened_on", "closed_on", "visit_interval_days")
    list_filter = ("category",)
    exclude = ("details",)
    list_select_related = ("member",)


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "case", "occasion")
    list_filter = ("occasion",)
    exclude = ("help_given", "amount")
    list_select_related = ("case__member",)


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin):
    list_display = ("talked_on", "member", "topic")
    exclude = ("notes",)
    list_select_related = ("member",)
