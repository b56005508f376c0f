"""Admin of the assessment: for looking things up. Changes go through the services (here as admin actions), so
they are checked by the policy and audited like any other; rows are not edited in place."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grassroots.core.admin import ReadOnlyAdmin
from grassroots.core.errors import Conflict

from . import services
from .models import AssessmentRun, EnteredValue, Indicator, IndicatorSystem, RaterGroup, Result, VetoEvent


class IndicatorInline(ReadOnlyAdmin, admin.TabularInline):
    model = Indicator
    fields = [
        "code",
        "name",
        "kind",
        "metric",
        "weight",
        "weight_method",
        "ahp_cr",
        "points",
        "cap",
        "is_veto",
        "parent",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = False


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["code", "version", "name", "name_en", "state", "assessed_kind", "owner"]
    list_filter = ["state", "assessed_kind"]
    search_fields = ["code", "name", "name_en"]
    inlines = [IndicatorInline]


class RaterGroupInline(ReadOnlyAdmin, admin.TabularInline):
    model = RaterGroup
    fields = ["kind", "weight"]
    readonly_fields = fields
    extra = 0


def _run_step(name, service, done):
    def step(modeladmin, request, queryset):
        for run in queryset:
            try:
                service(actor=request.user, run=run)
                modeladmin.message_user(request, f"{run}: {done}", messages.SUCCESS)
            except (ValidationError, Conflict, DjangoPermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(getattr(exc, "message", exc))
                modeladmin.message_user(request, f"{run}: {text}", messages.ERROR)

    step.__name__ = name
    return step


compute = admin.action(description=_("Compute the selected assessments"))(
    _run_step("compute", services.run_compute, _("computed"))
)
publish = admin.action(description=_("Publish the selected assessments"))(
    _run_step("publish", services.run_publish, _("published"))
)
close = admin.action(description=_("Close the selected assessments"))(
    _run_step("close", services.run_close, _("closed"))
)


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["system", "period", "scope", "version", "state", "assessed_count", "computed_seconds"]
    list_filter = ["state", "period"]
    search_fields = ["scope__code", "scope__name", "system__name"]
    inlines = [RaterGroupInline]
    actions = [compute, publish, close]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.is_active and request.user.is_staff  # the actions; no editing in place


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organization", "run", "score", "grade", "vetoed", "rank_level", "rank_topsis"]
    list_filter = ["grade", "vetoed"]
    search_fields = ["organization__code", "organization__name"]
    list_select_related = ["organization", "run__system", "run__period", "run__scope"]


@admin.register(VetoEvent)
class VetoEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organization", "period", "occurred_on", "reason", "withdrawn_at", "withdrawn_reason"]
    search_fields = ["organization__code", "organization__name", "reason"]


@admin.register(EnteredValue)
class EnteredValueAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["organization", "indicator", "run", "value", "entered_by"]
    search_fields = ["organization__code", "indicator__code"]
