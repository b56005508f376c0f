"""Business objectives: measurable targets of the units' own work, and their measured values."""

import datetime as dt

from django.db import transaction

from grassroots.core.audit import audit, snapshot
from grassroots.core.models import Period
from grassroots.core.policy import Action, require
from grassroots.organizations.models import Organization

from ..models import (
    BusinessObjective,
    ObjectiveValue,
)


@transaction.atomic
def objective_create(*, actor, organization: Organization, period: Period, **fields) -> BusinessObjective:
    require(actor, Action.CHANGE, organization)
    objective = BusinessObjective(organization=organization, period=period, **fields)
    objective.full_clean()
    objective.save()
    audit(
        "duties.objective.create",
        actor=actor,
        obj=objective,
        after=snapshot(objective, objective.audit_fields),
    )
    return objective


@transaction.atomic
def objective_record_value(*, actor, objective: BusinessObjective, measured_on: dt.date, value, note: str = ""):
    require(actor, Action.CHANGE, objective.organization)
    row = ObjectiveValue.objects.create(
        objective=objective, measured_on=measured_on, value=value, note=note, entered_by=actor
    )
    audit(
        "duties.objective.value",
        actor=actor,
        obj=objective,
        after={"measured_on": measured_on, "value": value, "note": note},
    )
    return row
