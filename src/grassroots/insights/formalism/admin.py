"""The formalism flags in the Django admin: read only (decisions go through the services, on the pages and the API,
so that the policy and the audit apply)."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from ..models import Flag


class FlagAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "kind", "organization", "reviewing", "period", "state", "similarity", "created_at")
    list_filter = ("kind", "state")
    search_fields = ("organization__name", "organization__code", "key")
    list_select_related = ("organization", "reviewing", "period")
    raw_id_fields = ("report", "other_report", "evidence", "other_evidence", "meeting", "other_meeting")


def register() -> None:
    if Flag not in admin.site._registry:
        admin.site.register(Flag, FlagAdmin)
