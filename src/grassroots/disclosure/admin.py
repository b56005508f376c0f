"""Disclosure in the admin: rules, publications, released minutes and notices, read only (writes go through the
services)."""

from django.contrib import admin

from grassroots.core.admin import ReadOnlyAdmin

from .models import DisclosureRule, Notice, Publication, ReleasedMinutes


@admin.register(DisclosureRule)
class DisclosureRuleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "item", "level", "updated_at")
    list_filter = ("item", "level")


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("organization", "item", "created_at")
    list_filter = ("item",)


@admin.register(ReleasedMinutes)
class ReleasedMinutesAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("meeting", "created_at")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "organization", "public", "created_at", "withdrawn_at")
    list_filter = ("public",)
    search_fields = ("title", "organization__name", "organization__code")
