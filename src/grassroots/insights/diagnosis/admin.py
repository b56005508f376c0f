"""The diagnosis in the admin: the thresholds, read only (they are set through the services, on the committee's page
or the API)."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from ..models import DiagnosisThreshold


@admin.register(DiagnosisThreshold)
class DiagnosisThresholdAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "code", "value", "updated_at")
    list_filter = ("code",)
    search_fields = ("organization__name", "organization__code")
