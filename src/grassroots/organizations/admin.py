"""Django admin of the organization data; writes that matter go through the services elsewhere."""

from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Grant, Member, Organization, Post, Transfer


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin):
    form = movenodeform_factory(Organization)
    list_display = ("name", "code", "kind", "unit_type", "is_active")
    search_fields = ("name", "code")
    list_filter = ("kind", "unit_type", "is_active")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "gender", "category", "organization", "status", "joined_on")
    search_fields = ("name",)
    list_filter = ("category", "status", "gender")
    raw_id_fields = ("organization", "user")
    list_select_related = ("organization",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("member", "organization", "title", "started_on", "ended_on")
    list_filter = ("title",)
    raw_id_fields = ("member", "organization")


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("member", "from_organization", "to_organization", "state", "created_at")
    list_filter = ("state",)
    raw_id_fields = ("member", "from_organization", "to_organization", "requested_by", "decided_by")


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    raw_id_fields = ("user", "organization")
