"""Django admin of the organization data: the tree, members, posts and transfers are only read here; grants are
given and ended through the services, so the policy decides and the audit trail records them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin

from grassroots.core.admin import ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import Grant, Member, Organization, Post, Transfer


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin, TreeAdmin):
    list_display = ("name", "code", "kind", "unit_type", "is_active")
    search_fields = ("name", "code")
    list_filter = ("kind", "unit_type", "is_active")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "gender", "category", "organization", "status", "joined_on")
    search_fields = ("name",)
    list_filter = ("category", "status", "gender")
    list_select_related = ("organization",)

    # ID numbers and phones read here masked, whoever reads: the site shows them in full to the roles that may, and
    # audits each reading; the admin would be a reading with neither.
    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.masked_phone

    def get_fields(self, request, obj=None):
        shown = {"id_number": "id_number_masked", "phone": "phone_masked"}
        return [shown.get(name, name) for name in super().get_fields(request, obj) if not name.endswith("_digest")]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "id_number_masked", "phone_masked")


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("member", "organization", "title", "started_on", "ended_on")
    list_filter = ("title",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("member", "from_organization", "to_organization", "state", "created_at")
    list_filter = ("state",)


@admin.register(Grant)
class GrantAdmin(ServiceAdmin, admin.ModelAdmin):
    """A grant is given (grant_create) or ended (grant_revoke); it is never changed in place."""

    service_fields = ("user", "organization", "role")
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    raw_id_fields = ("user", "organization")

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def write(self, *, actor, row, **fields):
        return services.grant_create(actor=actor, **fields)

    def erase(self, *, actor, row):
        services.grant_revoke(actor=actor, grant=row)
