"""The pages of the report-on-duty review (述职评议) and its three lists.

The reviewing officer's pages (desktop first): the reviews, a review opened, a review with its reports, their
ratings and results. The reporter's pages (phone first): "My reports on duty" across periods, and a report with its
form (last period's problems listed, an answer each), its result and its three lists. A rater reads the report they
rate and grades it with four big buttons. A report is found among those the user may read (selectors.report_list),
else 404. Every write is a service called through run_service; a form is shown only when the service's `_check`
lets the user go ahead, and a refusal comes back on it with what was typed, nothing written."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from grassroots.assessment.models import Grade
from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.core.uploads import ACCEPT, serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors

from . import selectors, services
from .forms import DateInput, OrganizationCodeField
from .models import DutyReportFile, ListKind, ReportState, ReviewListItem, ReviewRaterKind
from .services.review import DEFAULT_FEWEST, DEFAULT_WEIGHTS

PER_PAGE = 50
CODES_OFFERED = 500

# The rules the pages state (the services keep them).
RULES = {
    "answer": gettext_lazy(
        "A report on duty answers each problem listed for the same branch and post in the review before; it cannot be "
        "submitted with one unanswered."
    ),
    "rating": gettext_lazy(
        "Each rater grades a report once, and nobody rates their own. The votes of each group make its opinion, and "
        "the groups are weighted, as the assessment evaluates a rated indicator (excellent 100, good 85, fair 75, "
        "poor 60); a group with fewer raters than its fewest gives no opinion, and its weight goes to the others."
    ),
    "lists": gettext_lazy(
        "Once the rating is over, the reviewing organization writes each reporter's three lists. A rectification is "
        "an assignment of the reporter's branch, the reporter responsible for it: reported on, reviewed, lit and "
        "reminded as any work."
    ),
    "feed": gettext_lazy(
        "A secretary's result may be entered as the value of an “entered” indicator of the secretaries' "
        "assessment of the same period; the default secretaries' system rates C1 by its own raters, which this "
        "does not change."
    ),
}


def _codes(queryset) -> list:
    return list(queryset.order_by("path").only("id", "code", "name", "name_en", "path")[:CODES_OFFERED])


def _pursued(user):
    return org_selectors.organization_list(user=user, action=Action.PURSUE)


# ---------------------------------------------------------------- forms


class ReviewOpenForm(forms.Form):
    """A review opened: the reviewing organization, the period, who reports, the raters' groups."""

    organization = OrganizationCodeField(
        label=gettext_lazy("Reviewing organization (code)"),
        not_found=gettext_lazy("No organization with this code where you pursue."),
    )
    period = forms.CharField(
        label=gettext_lazy("Period"), max_length=16, help_text=gettext_lazy("Write 2026, 2026-H1, 2026-Q3 or 2026-07.")
    )
    include_committee = forms.BooleanField(
        label=gettext_lazy("Committee members report too (not only the secretaries)"), required=False
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        for kind, label in ReviewRaterKind.choices:
            self.fields[f"weight_{kind}"] = forms.DecimalField(
                label=gettext_lazy("Weight: %(group)s") % {"group": label},
                min_value=0,
                max_value=1,
                decimal_places=4,
                initial=DEFAULT_WEIGHTS[kind],
                widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
            )
            self.fields[f"fewest_{kind}"] = forms.IntegerField(
                label=gettext_lazy("Fewest raters: %(group)s") % {"group": label},
                min_value=1,
                max_value=1000,
                initial=DEFAULT_FEWEST[kind],
            )

    def groups(self) -> tuple[dict, dict]:
        d = self.cleaned_data
        kinds = ReviewRaterKind.values
        return {k: d[f"weight_{k}"] for k in kinds}, {k: d[f"fewest_{k}"] for k in kinds}


class ReportForm(forms.Form):
    """The report on duty: its text, an answer to each of last period's problems, an optional attachment."""

    text = forms.CharField(
        label=gettext_lazy("Your report on duty"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 12, "placeholder": gettext_lazy("What you did this period as the first responsible person")}
        ),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("The report as a document or a photo; a new one replaces the one before."),
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        for problem in problems:
            self.fields[f"answer_{problem.pk}"] = forms.CharField(
                label=problem.text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=gettext_lazy("How it was rectified, or why not yet."),
            )
        self.problems = list(problems)

    def answers(self) -> dict:
        return {p.pk: self.cleaned_data.get(f"answer_{p.pk}", "") for p in self.problems}


class RateForm(forms.Form):
    # Not required here: the service says what a rating without a grade lacks.
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), choices=Grade.choices, required=False)


class ItemForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Item"), required=False, widget=forms.TextInput(attrs={"maxlength": 300}))


class RectificationItemForm(ItemForm):
    due_on = forms.DateField(label=gettext_lazy("Due"), required=False, widget=DateInput)
    evidence_expected = forms.CharField(
        label=gettext_lazy("Evidence expected"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("For example: minutes of the meeting, photos")}),
    )


class FeedForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Assessment and indicator"), choices=(), required=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            (
                t.key,
                f"{t.run.system.display_name()} · {t.run.period.code} · {t.run.scope.display_name()} · "
                f"{t.indicator.code} {t.indicator.display_name()}",
            )
            for t in targets
        ]


# ---------------------------------------------------------------- the reviews


def _find_review(request, pk):
    return get_object_or_404(selectors.review_list(user=request.user), pk=pk)


@login_required
def review_list(request):
    """The reviews the user reads (officers, the discipline inspector), the latest period first."""
    user = request.user
    if not can_anywhere(user, Action.VIEW_CASES):
        return redirect("accountability:my_reports")
    reviews = selectors.review_list(user=user).annotate(
        expected=Count("reports", distinct=True),
        submitted=Count("reports", filter=Q(reports__state=ReportState.SUBMITTED), distinct=True),
    )
    page = Paginator(reviews.order_by("-period__start", "organization__path", "id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "may_open": can_anywhere(user, Action.PURSUE)}
    return render(request, "accountability/review/list.html", context)


@transaction.atomic
def _open_review(*, period: str, **kwargs):
    """services.review_open for the period of that code; a period made on first use goes if the review is refused."""
    try:
        found = period_for(period)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    return services.review_open(period=found, **kwargs)


@login_required
def review_new(request):
    """Open a review: the reviewing organization by code, the period, who reports, the raters' groups."""
    user = request.user
    if not can_anywhere(user, Action.PURSUE):
        raise PermissionDenied(_("Only the officers who pursue in an organization open its review of reports on duty."))
    pursued = _pursued(user)
    if request.method == "POST":
        form = ReviewOpenForm(request.POST, organizations=pursued)
        if form.is_valid():
            weights, fewest = form.groups()
            review = run_service(
                request,
                _open_review,
                form=form,
                actor=user,
                organization=form.cleaned_data["organization"],
                period=form.cleaned_data["period"],
                include_committee=form.cleaned_data["include_committee"],
                weights=weights,
                fewest=fewest,
            )
            if review is not REFUSED:
                messages.success(request, _("The review is open; the reporters are told to submit their reports."))
                return redirect("accountability:review", pk=review.pk)
    else:
        first = pursued.order_by("path").first()
        form = ReviewOpenForm(
            organizations=pursued,
            initial={"period": str(timezone.localdate().year), "organization": first.code if first else ""},
        )
    context = {"form": form, "codes": _codes(pursued)}
    return render(request, "accountability/review/new.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class ReviewStep:
    service: object
    check: object
    done: str


REVIEW_STEPS = {
    "refresh": ReviewStep(
        services.review_refresh,
        services.review_refresh_check,
        gettext_lazy("The reports of those who took a post since the review opened are expected too."),
    ),
    "rating": ReviewStep(
        services.review_start_rating,
        services.review_start_rating_check,
        gettext_lazy("The rating has started: the raters find the reports on their start page."),
    ),
    "close": ReviewStep(
        services.review_close,
        services.review_close_check,
        gettext_lazy("The review is closed: the results are fixed, and the three lists can be written."),
    ),
}


def _review_context(request, review) -> dict:
    user = request.user
    rows = selectors.review_rows(review)
    for row in rows:
        row.result = selectors.review_result(row) if row.is_submitted else None
    return {
        "review": review,
        "rows": rows,
        "groups": list(review.groups.order_by("id")),
        "submitted": sum(1 for r in rows if r.is_submitted),
        "may": {name: allowed(step.check, actor=user, review=review) for name, step in REVIEW_STEPS.items()},
        "conducts": selectors.may_conduct_review(user, review),
        "rules": RULES,
    }


@login_required
def review_detail(request, pk):
    review = _find_review(request, pk)
    return render(request, "accountability/review/detail.html", _review_context(request, review))


@login_required
@require_POST
def review_step(request, pk, step):
    """refresh, rating (start it), close: through their services; a refusal is said on top of the page."""
    review = _find_review(request, pk)
    action = REVIEW_STEPS.get(step)
    if action is None:
        raise Http404()
    done = run_service(request, action.service, actor=request.user, review=review)
    if done is not REFUSED:
        if step == "refresh" and not done:
            messages.info(request, _("Nobody took a post since the review opened: no report is added."))
        else:
            messages.success(request, action.done)
        return redirect("accountability:review", pk=review.pk)
    review = _find_review(request, pk)
    return render(request, "accountability/review/detail.html", _review_context(request, review), status=400)


# ---------------------------------------------------------------- a report on duty


def _find_report(request, pk):
    return get_object_or_404(selectors.report_list(user=request.user), pk=pk)


def _item_forms(bound=None) -> dict:
    forms_ = {kind: ItemForm(prefix=kind) for kind in ListKind.values}
    forms_[ListKind.RECTIFICATION] = RectificationItemForm(prefix=ListKind.RECTIFICATION)
    forms_.update(bound or {})
    return forms_


def _report_context(request, report, *, bound=None) -> dict:
    user = request.user
    bound = bound or {}
    review = report.review
    problems = selectors.problems_to_answer(report)
    may = {
        "submit": allowed(services.report_submit_check, actor=user, report=report),
        "rate": allowed(services.rating_give_check, actor=user, report=report),
        "items": allowed(services.list_item_add_check, actor=user, report=report),
        "feed": allowed(services.review_result_feed_check, actor=user, report=report),
    }
    sees_result = selectors.may_see_result(user, report)
    targets = selectors.feed_targets(user=user, report=report) if may["feed"] else []
    lists = selectors.list_items_of(report) if sees_result else {}
    for items in lists.values():
        for item in items:
            item.removable = allowed(services.list_item_remove_check, actor=user, item=item)
    answers = selectors.answers_of(report)
    initial = {"text": report.text, **{f"answer_{a.problem.pk}": a.text for a in answers}}
    attachment = DutyReportFile.objects.filter(report=report).first()
    kind = selectors.rating_group(user, report) if may["rate"] else None
    mine = report.ratings.filter(rater_id=user.pk).first()
    item_forms = _item_forms(bound.get("items"))
    for kind_, label in ListKind.choices:
        item_forms[kind_].list_label = label
    result = selectors.review_result(report) if sees_result and report.is_submitted else None
    return {
        "report": report,
        "review": review,
        "is_reporter": selectors.is_reporter(user, report),
        "may": may,
        "conducts": selectors.may_conduct_review(user, report.review),
        "reads_review": selectors.review_list(user=user).filter(pk=review.pk).exists(),
        "problems": problems,
        "answers": [a for a in answers if a.text],
        "attachment": attachment,
        "sees_result": sees_result,
        "result": result,
        "votes": selectors.votes_shown(result),
        "item_forms": list(item_forms.items()),
        "lists": [(kind_, label, lists.get(kind_, [])) for kind_, label in ListKind.choices] if sees_result else [],
        "rater_group": ReviewRaterKind(kind).label if kind else "",
        "my_rating": mine,
        "grades": Grade.choices,
        "targets": targets,
        "rules": RULES,
        "forms": {
            "submit": bound.get("submit") or ReportForm(problems=problems, initial=initial),
            "rate": bound.get("rate") or RateForm(),
            "feed": bound.get("feed") or FeedForm(targets=targets),
        },
    }


@login_required
def report_detail(request, pk):
    report = _find_report(request, pk)
    return render(request, "accountability/review/report.html", _report_context(request, report))


def _submit(request, report):
    problems = selectors.problems_to_answer(report)
    form = ReportForm(request.POST, request.FILES, problems=problems)
    if form.is_valid():
        done = run_service(
            request,
            services.report_submit,
            form=form,
            actor=request.user,
            report=report,
            text=form.cleaned_data["text"],
            answers=form.answers(),
            attachment=form.cleaned_data.get("attachment") or None,
        )
        if done is not REFUSED:
            return _("Your report on duty is submitted; you may submit it again while the review takes reports."), None
    return None, {"submit": form}


def _rate(request, report):
    form = RateForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            services.rating_give,
            form=form,
            actor=request.user,
            report=report,
            grade=form.cleaned_data["grade"],
        )
        if done is not REFUSED:
            return _("Your rating is recorded. Thank you."), None
    return None, {"rate": form}


def _item(request, report):
    kind = request.POST.get("kind", "")
    if kind not in ListKind.values:
        raise Http404()
    form_class = RectificationItemForm if kind == ListKind.RECTIFICATION else ItemForm
    form = form_class(request.POST, prefix=kind)
    if form.is_valid():
        d = form.cleaned_data
        extra = (
            {"due_on": d["due_on"], "evidence_expected": d["evidence_expected"]}
            if kind == ListKind.RECTIFICATION
            else {}
        )
        done = run_service(
            request,
            services.list_item_add,
            form=form,
            actor=request.user,
            report=report,
            kind=kind,
            text=d["text"],
            **extra,
        )
        if done is not REFUSED:
            if kind == ListKind.RECTIFICATION:
                return _("The rectification is written and issued to the branch as an assignment."), None
            return _("The item is written in the list."), None
    return None, {"items": {kind: form}}


def _feed(request, report):
    targets = selectors.feed_targets(user=request.user, report=report)
    form = FeedForm(request.POST, targets=targets)
    if form.is_valid():
        chosen = next((t for t in targets if t.key == form.cleaned_data["target"]), None)
        if chosen is None:
            form.add_error("target", _("Choose the assessment and its indicator."))
        else:
            done = run_service(
                request,
                services.review_result_feed,
                form=form,
                actor=request.user,
                report=report,
                run=chosen.run,
                indicator=chosen.indicator,
            )
            if done is not REFUSED:
                return _("The result is entered in the assessment."), None
    return None, {"feed": form}


REPORT_STEPS = {
    "submit": (_submit, services.report_submit_check),
    "rate": (_rate, services.rating_give_check),
    "item": (_item, services.list_item_add_check),
    "feed": (_feed, services.review_result_feed_check),
}


@login_required
@require_POST
def report_step(request, pk, step):
    """submit, rate, item (one of the three lists), feed: through their services; a refusal comes back on the form,
    what was typed kept; a step no longer offered says its reasons on top."""
    report = _find_report(request, pk)
    found = REPORT_STEPS.get(step)
    if found is None:
        raise Http404()
    handler, check = found
    done, bound = handler(request, report)
    if done:
        messages.success(request, done)
        return redirect("accountability:review_report", pk=report.pk)
    report = _find_report(request, pk)
    if not allowed(check, actor=request.user, report=report):
        for form in _forms_in(bound):
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    context = _report_context(request, report, bound=bound)
    return render(request, "accountability/review/report.html", context, status=400)


def _forms_in(bound: dict) -> list:
    out = []
    for value in bound.values():
        out.extend(value.values() if isinstance(value, dict) else [value])
    return out


@login_required
@require_POST
def item_remove(request, pk):
    item = get_object_or_404(ReviewListItem.objects.select_related("report"), pk=pk)
    report = _find_report(request, item.report_id)
    if run_service(request, services.list_item_remove, actor=request.user, item=item) is not REFUSED:
        messages.success(request, _("The item is removed from the list."))
    return redirect("accountability:review_report", pk=report.pk)


def _report_file(request, pk) -> DutyReportFile:
    return get_object_or_404(DutyReportFile.objects.filter(report__in=selectors.report_list(user=request.user)), pk=pk)


@login_required
def report_file(request, pk):
    return serve_file(_report_file(request, pk))


@login_required
def report_file_thumb(request, pk):
    return serve_thumbnail(_report_file(request, pk))


# ---------------------------------------------------------------- my reports on duty


@login_required
def my_reports(request):
    """The user's reports on duty across periods (each with its state, result, lists and rectifications), and the
    reports waiting for their rating."""
    user = request.user
    reports = list(selectors.my_reports(user=user))
    for report in reports:
        report.shows_result = selectors.may_see_result(user, report)
        report.lists = selectors.list_items_of(report) if report.shows_result else {}
        report.rectifications = report.lists.get(ListKind.RECTIFICATION, [])
        report.problem_count = len(report.lists.get(ListKind.PROBLEM, []))
        report.responsibility_count = len(report.lists.get(ListKind.RESPONSIBILITY, []))
    context = {
        "reports": reports,
        "to_rate": selectors.reports_to_rate(user=user),
        "conducts": can_anywhere(user, Action.VIEW_CASES),
    }
    return render(request, "accountability/review/mine.html", context)
