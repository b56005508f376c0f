"""An organization's disclosure page: what its public site shows under its committees' rules, its choices
(publish, withdraw), the minutes it releases, and, for the officers of a committee, the rules for its subtree."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import ItemForm, RuleForm
from ..models import Level


def _organization(request, code):
    organization = selectors.disclosure_organization(user=request.user, code=code)
    if organization is None:
        raise Http404
    return organization


@login_required
def settings_page(request, code, rule_form=None):
    org = _organization(request, code)
    rows = []
    for standing in selectors.disclosure_standings(org):
        rows.append(
            {
                "standing": standing,
                "may_publish": allowed(
                    services.publication_publish_check, actor=request.user, organization=org, item=standing.item
                ),
                "may_withdraw": allowed(
                    services.publication_withdraw_check, actor=request.user, organization=org, item=standing.item
                ),
            }
        )
    may_rule = selectors.may_set_rules(request.user, org)
    meetings = list(selectors.releasable_meetings(user=request.user, organization=org)[:30])
    minutes = next(r["standing"] for r in rows if r["standing"].item == "minutes")
    may_release = minutes.level == Level.MAY and selectors.may_publish(request.user, org)
    context = {
        "org": org,
        "rows": rows,
        "may_rule": may_rule,
        "rules": list(selectors.disclosure_rules(user=request.user, organization=org)) if may_rule else [],
        "rule_form": rule_form or RuleForm(),
        "meetings": meetings,
        "minutes": minutes,
        "may_release": may_release,
        "below": list(selectors.disclosure_organizations(user=request.user).filter(parent=org).order_by("path")[:200]),
    }
    return render(request, "disclosure/settings.html", context)


@login_required
@require_POST
def publish(request, code, step):
    """Publish or withdraw a kind of item (the buttons of the settings page)."""
    org = _organization(request, code)
    form = ItemForm(request.POST)
    service = {"publish": services.publication_publish, "withdraw": services.publication_withdraw}.get(step)
    if service is None or not form.is_valid():
        raise Http404
    run_service(request, service, actor=request.user, organization=org, item=form.cleaned_data["item"])
    return redirect("disclosure:settings", code=org.code)


@login_required
@require_POST
def rule(request, code):
    """Set a rule for the committee's subtree, or remove one (`delete`: the item whose rule goes)."""
    org = _organization(request, code)
    if "delete" in request.POST:
        found = (
            selectors.disclosure_rules(user=request.user, organization=org).filter(item=request.POST["delete"]).first()
        )
        if found is not None:
            run_service(request, services.disclosure_rule_delete, actor=request.user, rule=found)
        return redirect("disclosure:settings", code=org.code)
    form = RuleForm(request.POST)
    if form.is_valid():
        done = run_service(
            request, services.disclosure_rule_set, form=form, actor=request.user, organization=org, **form.cleaned_data
        )
        if done is not REFUSED:
            return redirect("disclosure:settings", code=org.code)
    return settings_page(request, code, rule_form=form)


@login_required
@require_POST
def release(request, code, pk, step):
    """Release a meeting's minutes to the public site, or withdraw them."""
    org = _organization(request, code)
    meeting = selectors.meeting_of(user=request.user, organization=org, pk=pk)
    service = {"release": services.minutes_release, "withdraw": services.minutes_withdraw}.get(step)
    if meeting is None or service is None:
        raise Http404
    run_service(request, service, actor=request.user, meeting=meeting)
    return redirect("disclosure:settings", code=org.code)
