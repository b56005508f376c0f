"""Django admin of users and (read-only) the audit trail; the read-only mixin every app's admin shares.

The governed models are written only by the services, which check the policy and audit every change. Their admin
either calls those services (in save_model/delete_model) or only reads: a row changed in place here would be the
one write with no policy check and no audit entry.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp
from .audit import masked
from .models import AuditEntry, User
from .policy import PermissionDenied


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


@admin.register(User)
class GrassrootsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Grassroots", {"fields": ("language",)}))
    actions = ["remove_two_factor"]

    @admin.action(description=_("Remove two-factor authentication (lost phone)"))
    def remove_two_factor(self, request, queryset):
        removed = 0
        for user in queryset:
            if not otp.is_enrolled(user):
                continue
            try:
                otp.two_factor_remove(actor=request.user, user=user)
            except PermissionDenied as refused:
                self.message_user(request, str(refused.message), messages.ERROR)
                return
            removed += 1
        self.message_user(request, _("Two-factor authentication removed for %(n)s account(s).") % {"n": removed})


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
    list_display = ("seq", "at", "actor_name", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "request_id")
    exclude = ("before", "after")
    readonly_fields = ("before_masked", "after_masked")

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

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        saved = self.write(actor=request.user, row=type(obj).objects.get(pk=obj.pk) if change else None, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        self.erase(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for row in queryset:
                self.erase(actor=request.user, row=row)
