"""Cases, rectifications and the rules of pursuit in the admin: read only (every write goes through the services)."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from .models import Case, PursuitRule, Rectification


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
from .models import Board, Commendation  # noqa: E402


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("kind", "organization", "member", "commending", "period", "state", "reference")
    list_filter = ("state", "kind")
    search_fields = ("organization__name", "organization__code", "member__name", "reference")


@admin.register(Board)
class BoardAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("run", "state", "ranked", "published_at")
    list_filter = ("state",)
