"""Django admin of users and (read-only) the audit trail; the read-only mixin every app's admin shares.

The governed models are written only by the services, which check the policy and audit every change. Their admin
either calls those services (in save_model/delete_model) or only reads: a row changed in place here would be the
one write with no policy check and no audit entry.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from .models import AuditEntry, User


class ReadOnlyAdmin:
    """Mix into a ModelAdmin or an inline: the rows are readable here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class GrassrootsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Grassroots", {"fields": ("language",)}))


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("seq", "at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "request_id")


class ServiceAdmin:
    """Mix into a ModelAdmin whose rows services write: adding and changing call `write(actor=, row=, **fields)`
    with the form's `service_fields`, deleting calls `erase(actor=, row=)` (for several rows at once, one by one in
    one transaction), so the policy decides and the audit records as on every page (a refusal answers 403)."""

    service_fields: tuple[str, ...] = ()

    def write(self, *, actor, row, **fields):
        raise NotImplementedError

    def erase(self, *, actor, row):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        saved = self.write(actor=request.user, row=type(obj).objects.get(pk=obj.pk) if change else None, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        self.erase(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for row in queryset:
                self.erase(actor=request.user, row=row)
