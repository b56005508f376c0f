"""Pursuit in the admin: cases, rectifications, the rules of pursuit, commendations, boards and the report-on-duty
review, read only (every write goes through the services)."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from .models import (
    Board,
    Case,
    Commendation,
    DutyReport,
    DutyReview,
    PursuitRule,
    Rectification,
    ReviewListItem,
)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "organization", "deciding", "trigger", "state", "measure", "created_at")
    list_filter = ("state", "trigger", "measure")
    search_fields = ("title", "organization__name", "organization__code")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("case", "assignment")


@admin.register(PursuitRule)
class PursuitRuleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("trigger", "organization", "enabled", "threshold")


# --- Commendations and the red/yellow board ---


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("kind", "organization", "member", "commending", "period", "state", "reference")
    list_filter = ("state", "kind")
    search_fields = ("organization__name", "organization__code", "member__name", "reference")


@admin.register(Board)
class BoardAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("run", "state", "ranked", "published_at")
    list_filter = ("state",)


# --- The report-on-duty review and its three lists (read only) ---


@admin.register(DutyReview)
class DutyReviewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "period", "state")
    list_filter = ("state",)


@admin.register(DutyReport)
class DutyReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("review", "organization", "member", "post_title", "state", "grade")
    list_filter = ("state", "grade")


@admin.register(ReviewListItem)
class ReviewListItemAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("report", "kind", "text")
    list_filter = ("kind",)
