"""Business objectives of a unit: their latest values and attainment, a new one, a value recorded."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.core.web import REFUSED, run_service

from .. import selectors, services
from ..forms import (
    ObjectiveForm,
    ObjectiveValueForm,
)
from .common import form_errors_as_messages, org_or_404


@login_required
def objectives(request, pk):
    """The unit's business objectives with their latest values and attainment; add one, record a value."""
    org = org_or_404(request, pk)
    may_change = can(request.user, Action.CHANGE, org)
    form = ObjectiveForm(request.POST or None, initial={"period": str(timezone.localdate().year)})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied()
        if form.is_valid():
            objective = run_service(
                request, _objective_new, form=form, actor=request.user, organization=org, data=form.cleaned_data
            )
            if objective is not REFUSED:
                messages.success(request, _("Objective “%(name)s” added.") % {"name": objective.name})
                return redirect("duties:objectives", pk=org.pk)
    rows = []
    for objective in selectors.objectives_of(user=request.user, organization=org):
        latest = objective.latest_value()
        rows.append(
            {
                "objective": objective,
                "latest": latest,
                "attainment": round(100 * objective.attainment(latest.value if latest else None)),
                "duties": objective.duties.count(),
                "value_form": ObjectiveValueForm(prefix=f"o{objective.pk}"),
            }
        )
    context = {"organization": org, "rows": rows, "form": form, "may_change": may_change}
    return render(request, "duties/objectives.html", context)


def _objective_new(*, actor, organization, data):
    data = dict(data)
    period = services.period_for(data.pop("period"))
    return services.objective_create(actor=actor, organization=organization, period=period, **data)


@login_required
@require_POST
def objective_value(request, pk):
    objective = get_object_or_404(selectors.objective_list(user=request.user, action=Action.CHANGE), pk=pk)
    form = ObjectiveValueForm(request.POST, prefix=f"o{objective.pk}")
    if form.is_valid():
        recorded = run_service(
            request, services.objective_record_value, actor=request.user, objective=objective, **form.cleaned_data
        )
        if recorded is not REFUSED:
            messages.success(request, _("Value recorded."))
    else:
        form_errors_as_messages(request, form)
    return redirect("duties:objectives", pk=objective.organization_id)
