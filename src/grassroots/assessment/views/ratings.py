"""Pages of the ratings: those given with an account, and the form a member of the masses opens on a phone from
a one-time link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.text import join_clauses
from grassroots.core.web import REFUSED, parse_id, run_service

from .. import selectors, services
from ..models import (
    AssessmentRun,
    Grade,
    RaterKind,
)
from .common import PER_PAGE


@login_required
def ratings_to_give(request):
    """The ratings a user gives with their account: per assessment still collecting them and per rater group."""
    return render(request, "assessment/ratings_to_give.html", {"rows": selectors.ratings_to_give(user=request.user)})


@login_required
def rate_as(request, pk, kind):
    """Rate, with one's account, the organizations of a run one may rate as `kind` (superior, peers, members):
    the list of them with those already rated, and the questions for the one chosen."""
    # Not by run_list: a rater may not see the run itself before its results; what they may rate is the gate.
    run = get_object_or_404(AssessmentRun.objects.select_related("system", "period", "scope"), pk=pk)
    if kind not in selectors.ACCOUNT_RATERS:
        raise Http404()
    organizations = selectors.ratable(user=request.user, run=run, kind=kind)
    if not organizations.exists():
        if selectors.rating_ended_for(user=request.user, run=run, kind=kind):
            # An old tab or bookmark, or a form sent after the results came out: said, not a bare 404.
            messages.info(request, _("Rating for this assessment has ended: its results are published."))
            return redirect("assessment:ratings_to_give")
        raise Http404()
    rated = selectors.rated_by(user=request.user, run=run, kind=kind)
    chosen_org = None
    if request.GET.get("org"):
        org_id = parse_id(request.GET["org"])
        chosen_org = organizations.filter(pk=org_id).first() if org_id is not None else None
        if chosen_org is None:
            raise Http404()
    questions = services.qualitative_indicators(run)  # in the order of the tree
    chosen = {}
    if request.method == "POST" and chosen_org is not None:
        chosen = _posted_grades(request, questions)
        rated_now = run_service(
            request,
            _rating_by_user,
            questions=questions,
            actor=request.user,
            run=run,
            kind=kind,
            organization=chosen_org,
            grades=chosen,
        )
        if rated_now is not REFUSED:
            messages.success(request, _("Rating of %(org)s saved.") % {"org": chosen_org.display_name()})
            return redirect("assessment:rate_as", pk=run.pk, kind=kind)
    page = Paginator(organizations, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "kind": kind,
        "kind_label": RaterKind(kind).label,
        "page": page,
        "rated": rated,
        "left": organizations.count() - len(rated),
        "organization": chosen_org,
        "already": chosen_org is not None and chosen_org.pk in rated,
        "questions": _question_rows(questions, chosen),
        "grades": Grade.choices,
    }
    return render(request, "assessment/rate_as.html", context)


def _posted_grades(request, questions) -> dict[int, str]:
    """The grade posted for each question ('' where none was chosen)."""
    return {q.pk: request.POST.get(f"q_{q.pk}", "") for q in questions}


def _rating_by_user(*, questions, grades: dict[int, str], **kwargs) -> int:
    """services.rating_by_user, once every question has a grade (those missing are named)."""
    _require_every_grade(questions, grades)
    return services.rating_by_user(grades=grades, **kwargs)


def _require_every_grade(questions, chosen: dict[int, str]) -> None:
    missing = [q.display_name() for q in questions if not chosen[q.pk]]
    if missing:
        raise ValidationError(_("Choose a grade for: %(names)s") % {"names": join_clauses(missing)})


def _question_rows(questions, chosen: dict[int, str]) -> list[dict]:
    """The questions of a rating form (_rate_questions.html), with the grade already chosen for each."""
    return [{"indicator": q, "chosen": chosen.get(q.pk, ""), "name": f"q_{q.pk}"} for q in questions]


# ---------------------------------------------------------------- the rating form of a one-time link


def _refused(request, message, status):
    response = render(request, "assessment/rate_closed.html", {"message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@csrf_exempt  # the one-time secret in the link is what a forged form would lack; in-app browsers may refuse cookies
def rate(request, token):
    """A rater without an account grades an organization once, on a phone, in the browser's language."""
    try:
        link = services.token_lookup(token)
    except Conflict as exc:
        return _refused(request, exc.message, 410)
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages), 404)
    questions = services.qualitative_indicators(link.group.run)  # in the order of the tree
    chosen = {}
    error = ""
    if request.method == "POST":
        chosen = _posted_grades(request, questions)
        grades = {pk: g for pk, g in chosen.items() if g}
        try:
            _require_every_grade(questions, chosen)
            services.rating_submit(secret=token, grades=grades)
            response = render(
                request, "assessment/rate_thanks.html", {"organization": link.organization, "count": len(grades)}
            )
            response["Cache-Control"] = "no-store"
            return response
        except Conflict as exc:
            return _refused(request, exc.message, 410)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "link": link,
        "organization": link.organization,
        "group": link.group,
        "questions": _question_rows(questions, chosen),
        "grades": Grade.choices,
        "error": error,
    }
    response = render(request, "assessment/rate.html", context, status=400 if error else 200)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
