"""Django admin of users and (read-only) the audit trail."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AuditEntry, User


@admin.register(User)
class GrassrootsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Grassroots", {"fields": ("language",)}))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "request_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
