"""Appeals in the admin, read only: they are answered, turned into duties and closed through the services (the
pages and the API), so that the policy decides and the audit records."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from ..models import Appeal


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("number", "organization", "kind", "category", "state", "created_at", "first_response_at", "rating")
    list_filter = ("state", "kind", "category")
    search_fields = ("number", "organization__name", "organization__code")
    exclude = ("phone", "follow_hash")  # personal data and the code's hash stay out of the admin
