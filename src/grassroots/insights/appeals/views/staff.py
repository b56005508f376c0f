"""The branch's pages of the appeals: the list (filters, unread, overdue), one appeal (answer it, turn it into a duty,
close it), its photo, and the figures of a subtree per child organization."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.uploads import serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, allowed, run_service

from ...models import ANSWER_DAYS
from .. import selectors, services
from ..forms import AnswerForm, CloseForm, DutyForm, FilterForm
from ..selectors import MIN_RATINGS


def _filter_organization(request, code):
    if not code:
        return None
    return selectors.appeal_organizations(user=request.user).filter(code=code).first()


@login_required
def appeal_list(request):
    form = FilterForm(request.GET or None)
    appeals = selectors.appeal_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        code = data["organization"].strip()
        organization = selectors.appeal_organizations(user=request.user).filter(code=code).first() if code else None
        if code and organization is None:
            form.add_error("organization", _("There is no organization with this code among those you can see."))
            appeals = appeals.none()
        else:
            filters = {k: data[k] for k in ("state", "category", "unread", "overdue")}
            appeals = selectors.appeal_list(user=request.user, organization=organization, **filters)
    page = Paginator(appeals, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    for appeal in page:
        appeal.overdue = appeal.is_overdue(now)
    context = {"form": form, "page": page, "answer_days": ANSWER_DAYS, "query": _query_without_page(request)}
    return render(request, "insights/appeals/list.html", context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _appeal(request, pk):
    appeal = selectors.appeal_of(user=request.user, pk=pk)
    if appeal is None:
        raise Http404
    return appeal


def _detail(request, appeal, *, forms=None, phone=None, status=200):
    forms = forms or {}
    may_answer = allowed(services.appeal_answer_check, actor=request.user, appeal=appeal)
    may_duty = allowed(services.appeal_to_duty_check, actor=request.user, appeal=appeal)
    members = services.responsible_choices(appeal.organization)
    context = {
        "appeal": appeal,
        "overdue": appeal.is_overdue(),
        "answer_days": ANSWER_DAYS,
        "phone": phone,
        "photo": appeal.photo if _has_photo(appeal) else None,
        "answer_form": forms.get("answer") or (AnswerForm(initial={"answer": appeal.answer}) if may_answer else None),
        "duty_form": forms.get("duty") or (DutyForm(members=members) if may_duty else None),
        "close_form": forms.get("close") or (CloseForm() if may_answer else None),
        "may_reveal": bool(appeal.phone) and phone is None and selectors.may_read_phone(request.user, appeal),
    }
    return render(request, "insights/appeals/detail.html", context, status=status)


def _has_photo(appeal) -> bool:
    return hasattr(appeal, "photo")  # a missing reverse one-to-one raises an AttributeError


@login_required
def appeal_detail(request, pk):
    appeal = _appeal(request, pk)
    if services.appeal_read(actor=request.user, appeal=appeal):
        appeal.refresh_from_db(fields=["read_at"])
    return _detail(request, appeal)


@login_required
@require_POST
def appeal_step(request, pk, step):
    appeal = _appeal(request, pk)
    if step in ("answer", "close"):  # a text to give: the answer, or the reason for closing
        form_class, service, field = {
            "answer": (AnswerForm, services.appeal_answer, "answer"),
            "close": (CloseForm, services.appeal_close, "reason"),
        }[step]
        form = form_class(request.POST)
        form.is_valid()
        done = run_service(
            request, service, form=form, actor=request.user, appeal=appeal, **{field: form.cleaned_data.get(field, "")}
        )
        if done is not REFUSED:
            return redirect("insights:appeal", pk)
        return _detail(request, appeal, forms={step: form}, status=400)
    if step == "duty":
        form = DutyForm(request.POST, members=services.responsible_choices(appeal.organization))
        if form.is_valid():
            data = form.cleaned_data
            done = run_service(
                request,
                services.appeal_to_duty,
                form=form,
                actor=request.user,
                appeal=appeal,
                responsible=data["responsible"],
                due_on=data["due_on"],
                title=data["title"],
                answer=data["answer"],
            )
            if done is not REFUSED:
                return redirect("insights:appeal", pk)
        return _detail(request, appeal, forms={"duty": form}, status=400)
    if step == "phone":
        phone = run_service(request, services.appeal_reveal_phone, actor=request.user, appeal=appeal)
        if phone is REFUSED:
            return _detail(request, appeal, status=403)
        response = _detail(request, appeal, phone=phone)
        response["Cache-Control"] = "no-store"
        return response
    raise Http404


@login_required
def appeal_photo(request, pk):
    appeal = _appeal(request, pk)
    if not _has_photo(appeal):
        raise Http404
    return serve_file(appeal.photo)


@login_required
def appeal_photo_thumb(request, pk):
    appeal = _appeal(request, pk)
    if not _has_photo(appeal):
        raise Http404
    return serve_thumbnail(appeal.photo)


@login_required
def appeal_figures(request):
    """Response time and satisfaction of a subtree, per child organization."""
    organizations = selectors.appeal_organizations(user=request.user)
    code = (request.GET.get("organization") or "").strip()[:50]
    organization = organizations.filter(code=code).first() if code else organizations.first()
    if organization is None:
        if code:
            raise Http404
        return render(request, "insights/appeals/figures.html", {"organization": None})
    total, rows = selectors.subtree_figures(user=request.user, organization=organization)
    context = {
        "organization": organization,
        "total": total,
        "rows": rows,
        "answer_days": ANSWER_DAYS,
        "min_ratings": MIN_RATINGS,
    }
    return render(request, "insights/appeals/figures.html", context)
