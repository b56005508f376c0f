"""Django admin of organizational life, for looking things up.

Writes go through the services, which check the policy and audit every change, so the admin only reads both the
rule books (meeting rules, points rules, courses, study plans) and the records (meetings, study, points,
appraisals, care, talks); a rule book becomes editable here once a service writes it, called from save_model and
delete_model as the grants' admin does. The restricted care details and talk notes are not shown.
"""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

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
class MeetingRuleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("kind", "organization", "count", "per", "applies_to_groups")
    list_filter = ("kind", "per", "applies_to_groups")
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(PointRule)
class PointRuleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
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
class StudyCourseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "organization", "hours")
    search_fields = ("title",)
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)


@admin.register(StudyPlan)
class StudyPlanAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "period", "required_hours", "required_hours_cadre", "needs_confirmation")
    raw_id_fields = ("organization",)
    list_select_related = ("organization", "period")


class AttendanceInline(ReadOnlyAdmin, admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("member", "status", "reason")
    readonly_fields = fields


class MeetingFileInline(ReadOnlyAdmin, admin.TabularInline):
    model = MeetingFile
    extra = 0
    fields = ("original_name", "kind", "size", "sha256")
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("held_on", "kind", "state", "organization", "topic")
    list_filter = ("kind", "state")
    search_fields = ("topic", "organization__name")
    date_hierarchy = "held_on"
    list_select_related = ("organization",)
    inlines = [AttendanceInline, MeetingFileInline]


@admin.register(StudyRecord)
class StudyRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("studied_on", "member", "title", "hours", "state")
    list_filter = ("state",)
    search_fields = ("member__name", "title")
    list_select_related = ("member",)


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("earned_on", "member", "rule", "points", "note", "corrects")
    list_filter = ("rule",)
    search_fields = ("member__name", "note")
    list_select_related = ("member", "rule", "corrects")


class AppraisalResultInline(ReadOnlyAdmin, admin.TabularInline):
    model = AppraisalResult
    extra = 0
    fields = ("member", "counts", "grade")
    readonly_fields = fields


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "year", "state", "closed_at")
    list_filter = ("state", "year")
    list_select_related = ("organization",)
    inlines = [AppraisalResultInline]


@admin.register(CareCase)
class CareCaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("member", "category", "opened_on", "closed_on", "visit_interval_days")
    list_filter = ("category",)
    exclude = ("details",)
    list_select_related = ("member",)


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("visited_on", "case", "occasion")
    list_filter = ("occasion",)
    exclude = ("help_given", "amount")
    list_select_related = ("case__member",)


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("talked_on", "member", "topic")
    exclude = ("notes",)
    list_select_related = ("member",)
