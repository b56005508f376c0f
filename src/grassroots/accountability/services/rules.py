"""The rules of pursuit: which fire, from what threshold, set per subtree (the nearest rule wins)."""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import ValidationError
from grassroots.core.policy import Action, require
from grassroots.organizations.models import Organization, ancestor_paths

from ..models import DEFAULT_THRESHOLDS, PursuitRule, Trigger


class RuleBook:
    """The rules of pursuit read once (all of them, or those that can hold for one organization), each organization's
    in force found by its path: the nearest rule set at or above it, else the default set for everything, else the
    built-in default (on, DEFAULT_THRESHOLDS)."""

    def __init__(self, organization: Organization | None = None):
        rules = PursuitRule.objects.select_related("organization")
        if organization is not None:
            rules = rules.filter(
                Q(organization__isnull=True) | Q(organization__path__in=ancestor_paths(organization.path))
            )
        self.rules: dict[str, dict[str, PursuitRule]] = {}
        for rule in rules:
            self.rules.setdefault(rule.trigger, {})[rule.organization.path if rule.organization_id else ""] = rule

    def found(self, trigger: str, path: str) -> PursuitRule | None:
        """The rule set nearest at or above the organization at `path`, else the default set; None: none is set."""
        at = self.rules.get(trigger, {})
        return next((at[place] for place in [*reversed(ancestor_paths(path)), ""] if place in at), None)

    def rule(self, trigger: str, path: str) -> tuple[bool, int]:
        """Whether the rule fires at `path`, and from what threshold."""
        rule = self.found(trigger, path)
        return (rule.enabled, rule.threshold) if rule else (True, DEFAULT_THRESHOLDS[trigger])

    def lowest(self, trigger: str) -> int:
        """The lowest threshold set anywhere for the rule (candidates are found with it, then each one's own)."""
        values = [r.threshold for r in self.rules.get(trigger, {}).values()] + [DEFAULT_THRESHOLDS[trigger]]
        return min(values)


def rules_for(organization: Organization) -> dict[str, tuple[bool, int]]:
    """Per rule of pursuit, whether it fires for the organization and its threshold (RuleBook.rule)."""
    book = RuleBook(organization)
    return {trigger: book.rule(trigger, organization.path) for trigger in DEFAULT_THRESHOLDS}


def _check_rule(actor, organization, trigger):
    if organization is None:
        if not (actor and actor.is_superuser):
            raise ValidationError(_("Only an administrator sets the default rules of pursuit."))
    else:
        require(actor, Action.PURSUE, organization)
    if trigger not in DEFAULT_THRESHOLDS:
        raise ValidationError(_("Unknown rule of pursuit."))


@transaction.atomic
def pursuit_rule_set(
    *, actor, organization: Organization | None, trigger: str, enabled: bool, threshold
) -> PursuitRule:
    """Set a rule of pursuit for a subtree (None: the default for all)."""
    _check_rule(actor, organization, trigger)
    try:
        threshold = int(threshold)
    except (TypeError, ValueError):
        raise ValidationError({"threshold": _("The threshold must be a whole number.")})
    if not 0 <= threshold <= 10000:
        raise ValidationError({"threshold": _("The threshold must be from 0 to 10000.")})
    if trigger == Trigger.STUDY_BELOW and threshold > 100:
        raise ValidationError({"threshold": _("A share of the plan is at most 100%.")})
    rule = PursuitRule.objects.select_for_update().filter(organization=organization, trigger=trigger).first()
    before = snapshot(rule, PursuitRule.audit_fields) if rule else None
    if rule is None:
        rule = PursuitRule(organization=organization, trigger=trigger)
    rule.enabled, rule.threshold = bool(enabled), threshold
    rule.save()
    audit("accountability.rule.set", actor=actor, obj=rule, before=before, after=snapshot(rule, rule.audit_fields))
    return rule


@transaction.atomic
def pursuit_rule_delete(*, actor, rule: PursuitRule) -> None:
    """Remove a rule set for a subtree: the rule above it (or the default) applies again."""
    _check_rule(actor, rule.organization, rule.trigger)
    audit("accountability.rule.delete", actor=actor, obj=rule, before=snapshot(rule, rule.audit_fields))
    rule.delete()
