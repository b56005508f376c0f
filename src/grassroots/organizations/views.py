"""Pages of organizations and members: tree, organization, member, transfers, import and export."""

import io

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core import jobs, throttle
from grassroots.core.collation import by_reading
from grassroots.core.models import JobState
from grassroots.core.policy import Action, PermissionDenied, can, can_anywhere
from grassroots.core.web import REFUSED, allowed, parse_id, run_service

from . import exports, selectors, services
from .forms import (
    AccountForm,
    GrantForm,
    ImportForm,
    LeaveForm,
    MemberForm,
    MemberPickField,
    MoveForm,
    OrganizationForm,
    PostForm,
    RejectForm,
    TransferForm,
)
from .models import Member, MemberStatus, Organization, Role, post_rank

SEARCHES_PER_MINUTE = 30  # a person looks up a few names; a script trying numbers is stopped


def _org(request, pk, action=Action.VIEW) -> Organization:
    return get_object_or_404(selectors.organization_list(user=request.user, action=action), pk=pk)


def _member(request, pk, action=Action.VIEW) -> Member:
    return get_object_or_404(selectors.member_list(user=request.user, action=action), pk=pk)


@login_required
def tree(request):
    roots = selectors.visible_roots(user=request.user)
    if len(roots) == 1:
        return redirect("organizations:detail", pk=roots[0].pk)
    return render(request, "organizations/tree.html", {"roots": roots})


@login_required
def children(request, pk):
    """The children of one organization with their subtree counts (htmx fragment of the tree)."""
    org = _org(request, pk)
    kids = selectors.children_with_counts(user=request.user, organization=org)
    return render(request, "organizations/_children.html", {"organization": org, "children": kids})


@login_required
def detail(request, pk):
    org = _org(request, pk)
    user = request.user
    ancestors = [a for a in Organization.objects.get_ancestors(org) if can(user, Action.VIEW, a)]
    members = selectors.member_list(user=user, organization=org).filter(status=MemberStatus.ACTIVE)
    page = Paginator(members.order_by(by_reading("name", chinese=True), "id"), 30).get_page(request.GET.get("page"))
    context = {
        "organization": org,
        "ancestors": ancestors,
        "children": selectors.children_with_counts(user=user, organization=org),
        "counts": selectors.subtree_counts(organization=org),
        "posts": selectors.post_list(user=user, organization=org).order_by(post_rank(), "-started_on", "id"),
        "page": page,
        "can_change": can(user, Action.CHANGE, org),
        "can_structure": can(user, Action.MANAGE_STRUCTURE, org),
        "can_export": can(user, Action.EXPORT, org),
        "can_audit": can(user, Action.VIEW_AUDIT, org),
        "can_read_records": can(user, Action.VIEW_RECORD, org),
    }
    return render(request, "organizations/detail.html", context)


@login_required
def organization_new(request, pk):
    parent = _org(request, pk, Action.MANAGE_STRUCTURE)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        child = run_service(
            request, services.organization_create, form=form, actor=request.user, parent=parent, **form.cleaned_data
        )
        if child is not REFUSED:
            messages.success(request, _("Organization %(name)s added.") % {"name": child.name})
            return redirect("organizations:detail", pk=child.pk)
    return render(request, "organizations/form.html", {"form": form, "parent": parent, "title": _("New organization")})


@login_required
def organization_move(request, pk):
    org = _org(request, pk, Action.MANAGE_STRUCTURE)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            request,
            services.organization_move,
            form=form,
            actor=request.user,
            organization=org,
            new_parent=form.cleaned_data["new_parent"],
        )
        if moved is not REFUSED:
            messages.success(request, _("%(name)s moved with its whole subtree.") % {"name": org.name})
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "organization": org, "title": _("Move")})


@login_required
def member_detail(request, pk):
    member = _member(request, pk)
    user = request.user
    context = {
        "member": member,
        "posts": member.posts.select_related("organization").order_by("-started_on"),
        "transfers": member.transfers.select_related("from_organization", "to_organization"),
        "can_change": can(user, Action.CHANGE, member),
        "can_reveal": can(user, Action.VIEW_PERSONAL, member),
        "can_read_record": can(user, Action.VIEW_RECORD, member),
        "can_audit": can(user, Action.VIEW_AUDIT, member),
        "is_self": member.user_id == user.pk,
        "can_manage_account": allowed(services.member_account_check, actor=user, member=member),
        "account_closed": selectors.account_closing(user=user, member=member),
    }
    if context["account_closed"]:
        context["account_closed_because"] = MemberStatus(context["account_closed"].after["reason"]).label
    return render(request, "organizations/member_detail.html", context)


@login_required
def member_account(request, pk):
    """A member's login, kept by whoever grants roles where the member belongs: give one (a one-time password
    shown once), reset its password, deactivate it with a reason or activate it again; each audited."""
    member = _member(request, pk)
    if not allowed(services.member_account_check, actor=request.user, member=member):
        raise PermissionDenied(_("Only those who grant roles in this organization manage its members' accounts."))
    form = AccountForm(request.POST or None, initial={"username": _suggested_username(member)})
    password = None
    if request.method == "POST" and form.is_valid():
        action, data = request.POST.get("action", ""), form.cleaned_data
        if action == "create":
            password = services.one_time_password()
            made = run_service(
                request,
                services.member_account_create,
                form=form,
                actor=request.user,
                member=member,
                username=data["username"],
                password=password,
            )
            password = None if made is REFUSED else password
        elif action == "link":
            run_service(
                request,
                services.member_account_link,
                form=form,
                actor=request.user,
                member=member,
                username=data["username"],
            )
        elif action == "reset":
            password = run_service(
                request, services.member_account_password_reset, form=form, actor=request.user, member=member
            )
            password = None if password is REFUSED else password
        elif action in ("deactivate", "activate"):
            done = run_service(
                request,
                services.member_account_set_active,
                form=form,
                actor=request.user,
                member=member,
                active=action == "activate",
                reason=data["reason"],
            )
            if done is not REFUSED:
                messages.success(
                    request, _("Account activated again.") if action == "activate" else _("Account deactivated.")
                )
                return redirect("organizations:member_account", pk=member.pk)
    member.refresh_from_db()
    account = get_user_model().objects.filter(member=member).first()
    grant_form = _grant_form(request, member)
    if account is not None and request.method == "POST" and request.POST.get("action") in ("grant", "revoke"):
        done = _grant_or_revoke(request, account, grant_form)
        if done:
            return redirect("organizations:member_account", pk=member.pk)
    context = {
        "member": member,
        "account": account,
        "form": form,
        "password": password,
        "grant_form": grant_form,
        "grants": _grants_of(request.user, account),
    }
    return render(request, "organizations/member_account.html", context)


def _grant_form(request, member: Member) -> GrantForm:
    """The form giving the account a role: the roles the user may give, in the organizations where they grant
    roles; the member's own organization by default."""
    roles = [(value, label) for value, label in Role.choices if value != Role.ADMIN or request.user.is_superuser]
    granting = selectors.organization_list(user=request.user, action=Action.MANAGE_GRANTS)
    data = request.POST if request.POST.get("action") == "grant" else None
    return GrantForm(
        data,
        organizations=granting,
        roles=roles,
        initial={"organization": member.organization.code, "role": Role.SECRETARY},
    )


def _grant_or_revoke(request, account, grant_form: GrantForm) -> bool:
    """Give the account the role of the form, or end one of its roles (`grant`); each through the grant services,
    policy-checked and audited."""
    if request.POST["action"] == "grant":
        if not grant_form.is_valid():
            return False
        org, role = grant_form.cleaned_data["organization"], grant_form.cleaned_data["role"]
        if org is None:
            grant_form.add_error("organization", _("Give the code of the organization the role covers."))
            return False
        if account.grants.filter(organization=org, role=role).exists():
            grant_form.add_error(None, _("This account already holds this role on this organization."))
            return False
        given = run_service(
            request,
            services.grant_create,
            form=grant_form,
            actor=request.user,
            user=account,
            organization=org,
            role=role,
        )
        if given is REFUSED:
            return False
        messages.success(
            request,
            _("%(role)s of %(org)s given to %(user)s.")
            % {"role": given.get_role_display(), "org": org.display_name(), "user": account.username},
        )
        return True
    grant = selectors.grant_list(user=request.user).filter(user=account, pk=_int(request.POST.get("grant"))).first()
    if grant is None:
        messages.error(request, _("This role is no longer held; the page shows the roles as they are now."))
        return True
    ended = run_service(request, services.grant_revoke, actor=request.user, grant=grant)
    if ended is not REFUSED:
        messages.success(
            request,
            _("%(role)s of %(org)s ended for %(user)s.")
            % {"role": grant.get_role_display(), "org": grant.organization.display_name(), "user": account.username},
        )
    return True


def _grants_of(user, account) -> list:
    """The roles the account holds that the user can see, each saying whether the user may end it."""
    if account is None:
        return []
    grants = list(selectors.grant_list(user=user).filter(user=account).order_by("organization__path", "role"))
    for grant in grants:
        grant.can_end = can(user, Action.MANAGE_GRANTS, grant.organization) and (
            grant.role != Role.ADMIN or user.is_superuser
        )
    return grants


def _suggested_username(member: Member) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(member.name)).lower()[:20] + str(member.pk)


@login_required
@require_POST
def member_reveal(request, pk):
    """Unmask the ID number and phone (htmx); the reading is audited."""
    member = _member(request, pk)
    values = services.member_reveal_personal(actor=request.user, member=member)
    return render(request, "organizations/_personal.html", {"member": member, "values": values})


@login_required
def member_new(request, pk):
    org = _org(request, pk, Action.CHANGE)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = run_service(
            request, services.member_create, form=form, actor=request.user, organization=org, **form.cleaned_data
        )
        if member is not REFUSED:
            messages.success(request, _("%(name)s added.") % {"name": member.name})
            return redirect("organizations:member", pk=member.pk)
    return render(request, "organizations/form.html", {"form": form, "organization": org, "title": _("New member")})


@login_required
def member_edit(request, pk):
    member = _member(request, pk, Action.CHANGE)
    form = MemberForm(request.POST or None, instance=None, initial=_member_initial(member))
    if request.method == "POST" and form.is_valid():
        from django.utils.dateparse import parse_datetime

        expected = parse_datetime(request.POST.get("updated_at", "") or "")
        saved = run_service(
            request,
            services.member_update,
            form=form,
            actor=request.user,
            member=member,
            expected_updated_at=expected,
            **form.cleaned_data,
        )
        if saved is not REFUSED:
            messages.success(request, _("Saved."))
            return redirect("organizations:member", pk=member.pk)
    return render(
        request,
        "organizations/form.html",
        {
            "form": form,
            "member": member,
            "title": _("Edit member"),
            "updated_at": member.updated_at.isoformat(),
        },
    )


def _member_initial(member: Member) -> dict:
    return {name: getattr(member, name) for name in MemberForm.Meta.fields}


@login_required
def post_new(request, pk):
    org = _org(request, pk, Action.CHANGE)
    members = selectors.member_list(user=request.user, organization=org.get_parent() or org, subtree=True).filter(
        status=MemberStatus.ACTIVE
    )
    if org.kind != "committee":
        members = selectors.member_list(user=request.user, organization=org, subtree=True).filter(
            status=MemberStatus.ACTIVE
        )
    form = PostForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        post = run_service(
            request, services.post_create, form=form, actor=request.user, organization=org, **form.cleaned_data
        )
        if post is not REFUSED:
            messages.success(request, _("Post assigned."))
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "organization": org, "title": _("Assign a post")})


@login_required
def member_leave(request, pk):
    """Record that a member left (transferred out of the system, deceased, removed), or, for one who left, that they
    are active again; the service closes the account of one who leaves."""
    member = _member(request, pk, Action.CHANGE)
    active = member.status == MemberStatus.ACTIVE
    form = LeaveForm(request.POST or None) if active else None
    if request.method == "POST" and (form is None or form.is_valid()):
        changes = dict(form.cleaned_data) if form is not None else {"status": MemberStatus.ACTIVE}
        saved = run_service(request, services.member_update, form=form, actor=request.user, member=member, **changes)
        if saved is not REFUSED:
            messages.success(
                request,
                _("%(name)s is recorded as %(status)s.") % {"name": member.name, "status": saved.get_status_display()},
            )
            return redirect("organizations:member", pk=member.pk)
    return render(request, "organizations/member_leave.html", {"form": form, "member": member})


@login_required
def member_transfer(request, pk):
    member = _member(request, pk, Action.CHANGE)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        transfer = run_service(
            request, services.transfer_request, form=form, actor=request.user, member=member, **form.cleaned_data
        )
        if transfer is not REFUSED:
            if transfer.state == "completed":
                messages.success(
                    request,
                    _("%(name)s now belongs to %(org)s.") % {"name": member.name, "org": transfer.to_organization.name},
                )
            else:
                messages.success(
                    request,
                    _("Transfer requested; it waits for %(org)s to accept.") % {"org": transfer.to_organization.name},
                )
            return redirect("organizations:member", pk=member.pk)
    return render(request, "organizations/form.html", {"form": form, "member": member, "title": _("Transfer")})


@login_required
def transfers(request):
    if not can_anywhere(request.user, Action.CHANGE):
        raise PermissionDenied()
    context = {
        "awaiting": selectors.transfers_awaiting(user=request.user),
        "recent": selectors.transfer_list(user=request.user).order_by("-created_at")[:50],
        "reject_form": RejectForm(),
    }
    return render(request, "organizations/transfers.html", context)


@login_required
@require_POST
def transfer_decide(request, pk, decision):
    transfer = get_object_or_404(selectors.transfer_list(user=request.user), pk=pk)
    actor = request.user
    if decision == "accept":
        outcome = run_service(request, services.transfer_accept, actor=actor, transfer=transfer)
        done = _("Transfer accepted.")
    elif decision == "reject":
        note = request.POST.get("note", "")
        outcome = run_service(request, services.transfer_reject, actor=actor, transfer=transfer, note=note)
        done = _("Transfer rejected.")
    elif decision == "cancel":
        outcome = run_service(request, services.transfer_cancel, actor=actor, transfer=transfer)
        done = _("Transfer cancelled.")
    else:
        raise Http404
    if outcome is not REFUSED:
        messages.success(request, done)
    return redirect("organizations:transfers")


@login_required
def import_page(request):

    if not can_anywhere(request.user, Action.IMPORT):
        raise PermissionDenied(_("Your role does not include importing."))
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        job = _import_job(request, form.cleaned_data["kind"], form.cleaned_data["file"])
        if job.state == JobState.RUNNING:  # in a thread of its own: its page shows the progress, then the result
            return redirect("job", pk=job.pk)
        report = job.report
        if report.ok:
            messages.success(request, report.summary())
    return render(request, "organizations/import.html", {"form": form, "report": report})


def _import_job(request, kind: str, uploaded):
    """The import as a job (core.jobs): the file read into memory now (the upload's temporary file goes with the
    request), checked and written by the import as it always is; its stages shown on the job's page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from . import importing

    name = uploaded.name
    copy = SimpleUploadedFile(name, uploaded.read())
    kept = {}

    def work(progress) -> dict:
        report = importing.import_file(actor=request.user, kind=kind, uploaded=copy, progress=progress)
        kept["report"] = report
        return {
            "ok": report.ok,
            "summary": report.summary(),
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in report.problems],
            "next_url": reverse("organizations:import"),
            "next_label": str(_("Import another file")),
        }

    job = jobs.job_start(
        actor=request.user,
        kind=f"organizations.import.{kind}",
        title=_("Import of %(file)s") % {"file": name},
        work=work,
    )
    job.report = kept.get("report")
    return job


@login_required
def export_members(request, pk):
    org = _org(request, pk, Action.EXPORT)
    unmasked = request.GET.get("unmasked") == "1" and can(request.user, Action.VIEW_PERSONAL, org)
    buffer = io.BytesIO()
    _rows, filename = exports.members_xlsx(user=request.user, organization=org, target=buffer, unmasked=unmasked)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename)


PICKS_PER_MINUTE = 120  # a picker asks as one types


def _picks_allowed(request) -> bool:
    return throttle.allow("picker", request.user.pk, limit=PICKS_PER_MINUTE, seconds=60)


@login_required
def member_pick(request):
    """Suggestions for a responsible-person picker (JSON): members who can be named for the work of `org` whose
    name contains `q`, each as the picker writes it ("王芳 #12") with the organization; with `own=1`, only the
    organization's own members (the organizational-life forms)."""
    query = request.GET.get("q", "")[:50].strip()
    org = selectors.organization_list(user=request.user).filter(pk=_int(request.GET.get("org"))).first()
    if org is None or not query or not _picks_allowed(request):
        return JsonResponse({"results": []})
    members = selectors.members_to_name(user=request.user, organization=org).filter(name__contains=query)
    if request.GET.get("own") == "1":  # a form that offers the organization's own members only
        members = members.filter(organization=org)
    results = [
        {"value": MemberPickField.label_of(m), "label": f"{m.name} · {m.organization.display_name()}"}
        for m in members.order_by("name", "pk")[:12]
    ]
    return JsonResponse({"results": results})


@login_required
def organization_pick(request):
    """Suggestions for an organization-code box (JSON): organizations the user can see by code or name."""
    query = request.GET.get("q", "")[:50]
    if not query.strip() or not _picks_allowed(request):
        return JsonResponse({"results": []})
    found = selectors.organizations_matching(user=request.user, query=query)
    return JsonResponse({"results": [{"value": o.code, "label": f"{o.code} · {o.display_name()}"} for o in found]})


def _int(value) -> int:
    """An id from a form or a query string, 0 (no row) when it is not one (ASCII digits only: "²" is no id)."""
    return parse_id(value, limit=17) or 0


@login_required
def member_search(request):
    query = request.GET.get("q", "")[:100]
    if query.strip() and not throttle.allow("member-search", request.user.pk, limit=SEARCHES_PER_MINUTE, seconds=60):
        messages.error(request, _("Too many searches in a short time. Wait a minute and search again."))
        results = []
    else:
        results = selectors.member_search(user=request.user, query=query)
    return render(request, "organizations/search.html", {"query": query, "results": results})
