"""Django admin of organizational life, for looking things up.

Writes go through the services, which check the policy and audit every change: the rule books that a system
administrator keeps here (meeting rules, points rules, courses) are written by their services from save_model and
delete_model; study plans and the records (meetings, study, points, appraisals, care, talks) are only read. The
restricted care details and talk notes are not shown.
"""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin, ServiceAdmin

from . import services
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
class MeetingRuleAdmin(ServiceAdmin, admin.ModelAdmin):
    service_fields = services.RULE_FIELDS
    list_display = ("kind", "organization", "count", "per", "applies_to_groups")
    list_filter = ("kind", "per", "applies_to_groups")
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)

    def write(self, *, actor, row, **fields):
        return services.meeting_rule_set(actor=actor, rule=row, **fields)

    def erase(self, *, actor, row):
        services.meeting_rule_delete(actor=actor, rule=row)


@admin.register(PointRule)
class PointRuleAdmin(ServiceAdmin, admin.ModelAdmin):
    """A points rule is retired by taking it out of force, never deleted: the ledger's entries point at it."""

    service_fields = services.POINT_RULE_FIELDS
    list_display = PointRule.EDITABLE_FIELDS
    list_filter = ("source", "is_active")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False

    def write(self, *, actor, row, **fields):
        return services.point_rule_set(actor=actor, rule=row, **fields)


@admin.register(StudyCourse)
class StudyCourseAdmin(ServiceAdmin, admin.ModelAdmin):
    service_fields = services.COURSE_FIELDS
    list_display = ("title", "organization", "hours")
    search_fields = ("title",)
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)

    def write(self, *, actor, row, **fields):
        return services.study_course_set(actor=actor, course=row, **fields)

    def erase(self, *, actor, row):
        services.study_course_delete(actor=actor, course=row)


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
    list_select_related = ("member", "rule")

    def get_queryset(self, request):
        # The corrected lines fetched apart: on Citus the points are distributed by member, and a join of the points
        # with themselves on `corrects` is not on the member.
        return super().get_queryset(request).prefetch_related("corrects")


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
