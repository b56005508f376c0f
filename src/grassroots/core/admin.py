"""Django admin of users and (read-only, for the auditors) the audit trail; the read-only mixin every app's admin
shares.

The governed models are written only by the services, which check the policy and audit every change. Their admin
either calls those services (in save_model/delete_model) or only reads: a row changed in place here would be the
one write with no policy check and no audit entry.
"""

import copy
from functools import partial

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp, refusals, users
from .audit import masked
from .errors import Conflict
from .models import AuditEntry, User
from .policy import Action, PermissionDenied, can_anywhere
from .selectors import audit_entries


def _login_on_the_site(request, extra_context=None):
    """The admin signs in through the site's login page, which asks for the second factor where one is set up."""
    return redirect_to_login(request.GET.get("next") or request.path.replace("login/", ""))


admin.site.login = _login_on_the_site


class ReadOnlyAdmin:
    """Mix into a ModelAdmin or an inline: the rows are readable here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The authenticators are set up and removed by their owners (or the action above), audited; here they are only read,
# and never their keys.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("user", "confirmed", "created_at", "last_used_at")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The trail as the auditor's pages show it: only to a user holding the auditor role (a superuser without it
    neither sees the entry in the index nor opens its pages: 403), and only the entries of the auditor's scope."""

    list_display = ("seq", "at", "actor_name", "action", "result", "object_repr")
    list_filter = ("result", "action")
    search_fields = ("object_repr", "actor_name", "request_id")
    exclude = ("before", "after")
    readonly_fields = ("before_masked", "after_masked")

    def has_module_permission(self, request):
        return can_anywhere(request.user, Action.VIEW_AUDIT) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return can_anywhere(request.user, Action.VIEW_AUDIT) and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        entries, _organization = audit_entries(user=request.user)
        return entries

    # Personal data in the snapshots reads masked here: the audit trail's own page shows it in full to the roles
    # that may read it.
    @admin.display(description=_("before"))
    def before_masked(self, obj):
        return masked(obj.before)

    @admin.display(description=_("after"))
    def after_masked(self, obj):
        return masked(obj.after)


class ServiceAdmin:
    """Mix into a ModelAdmin whose rows services write: adding and changing call `write(actor=, row=, **fields)`
    with the form's `service_fields`, deleting calls `erase(actor=, row=)` (for several rows at once, one by one in
    one transaction), so the policy decides and the audit records as on every page (a refusal answers 403)."""

    service_fields: tuple[str, ...] = ()

    def write(self, *, actor, row, **fields):
        raise NotImplementedError

    def erase(self, *, actor, row):
        raise NotImplementedError

    def save_form(self, request, form, change):
        """The row as the form cleaned it, nothing of it written (nor a password hashed): the service writes it."""
        return form.instance

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        saved = self.write(actor=request.user, row=type(obj).objects.get(pk=obj.pk) if change else None, **fields)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """The service wrote the row's many-to-many fields with the row: nothing more is written here."""

    def delete_model(self, request, obj):
        self.erase(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for row in queryset:
                self.erase(actor=request.user, row=row)

    # A service's refusal of the input (not the policy's, which answers 403) is said on the page, never a 500.

    def _refused(self, request, refusal, where: str):
        said = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal.message)]
        self.message_user(request, " ".join(str(m) for m in said), messages.ERROR)
        return HttpResponseRedirect(where)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, Conflict) as refused:
            return self._refused(request, refused, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, Conflict) as refused:
            opts = self.model._meta
            return self._refused(
                request, refused, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ValidationError, Conflict) as refused:  # deleting the chosen rows, all or none
            return self._refused(request, refused, request.get_full_path())


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's password form, whose password is set by the service (checked, audited as "password set")."""

    def __init__(self, user, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        self.user = users.user_password_set(actor=self.actor, user=self.user, password=password)
        return self.user


@admin.register(User)
class GrassrootsUserAdmin(ServiceAdmin, UserAdmin):
    """Accounts are made, changed (privileges included), given a password and deleted through core.users: by a system
    administrator only, one audit entry each. The account's dates are only read; one's own rights are not taken away
    here."""

    fieldsets = (*UserAdmin.fieldsets, ("Grassroots", {"fields": ("language",)}))
    readonly_fields = ("last_login", "date_joined")
    service_fields = (*users.FIELDS, "password1", "set_usable_password")
    actions = ["remove_two_factor"]

    def get_readonly_fields(self, request, obj=None):
        own = obj is not None and obj.pk == request.user.pk
        return (*super().get_readonly_fields(request, obj), *(users.OWN_RIGHTS if own else ()))

    def write(self, *, actor, row, password1=None, set_usable_password=True, **fields):
        if row is None:
            return users.user_create(actor=actor, password=password1 if set_usable_password else None, **fields)
        return users.user_change(actor=actor, user=row, **fields)

    def erase(self, *, actor, row):
        users.user_delete(actor=actor, user=row)

    def user_change_password(self, request, id, form_url=""):
        # Django's view makes its form from `change_password_form` and the account alone: a copy of this admin for
        # the request gives it the form bound to the actor.
        bound = copy.copy(self)
        bound.change_password_form = partial(PasswordSetForm, actor=request.user)
        return UserAdmin.user_change_password(bound, request, id, form_url)

    @admin.action(description=_("Remove two-factor authentication (lost phone)"))
    def remove_two_factor(self, request, queryset):
        removed = 0
        for user in queryset:
            if not otp.is_enrolled(user):
                continue
            try:
                otp.two_factor_remove(actor=request.user, user=user)
            except PermissionDenied as refused:
                refusals.note(refused)
                self.message_user(request, str(refused.message), messages.ERROR)
                return
            removed += 1
        self.message_user(request, _("Two-factor authentication removed for %(n)s account(s).") % {"n": removed})


# A group gives the admin's permissions to every account in it: groups are read here, never changed (an account's own
# groups and permissions change above, through core.users, audited).
admin.site.unregister(Group)


@admin.register(Group)
class ReadOnlyGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    pass
