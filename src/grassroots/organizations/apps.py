"""The organizations app: the tree, members, posts, transfers, grants, import and export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationTree:
    """The tree as the ground floor asks for it (core.tree.TreeLoader): grants, the member, the organizations."""

    def grants(self, user) -> list[tuple[str, str]]:
        from .models import Grant

        return list(Grant.objects.filter(user=user).values_list("organization__path", "role"))

    def active_member(self, user):
        from .models import Member, MemberStatus

        return Member.objects.filter(user=user, status=MemberStatus.ACTIVE).select_related("organization").first()

    def organizations(self):
        from .models import Organization

        return Organization.objects.all()


class OrganizationsConfig(AppConfig):
    name = "grassroots.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self):
        from grassroots.core.audit import register_masked_keys
        from grassroots.core.labels import register_actions
        from grassroots.core.policy import ModelScope, register_scope
        from grassroots.core.tree import register_tree

        from .models import PERSONAL_MASKS, Grant, Member, Organization, Post, Transfer

        register_tree(OrganizationTree())
        register_masked_keys(PERSONAL_MASKS)
        register_scope(Organization, ModelScope(paths=("path",), own_organization=("pk",)))
        register_scope(
            Member,
            ModelScope(paths=("organization__path",), own_member=("pk",), own_organization=("organization_id",)),
        )
        register_scope(
            Post,
            ModelScope(
                paths=("organization__path",),
                own_member=("member_id",),
                own_organization=("organization_id",),
            ),
        )
        register_scope(
            Transfer,
            ModelScope(paths=("from_organization__path", "to_organization__path"), own_member=("member_id",)),
        )
        register_scope(Grant, ModelScope(paths=("organization__path",)))

        register_actions(
            {
                "organizations.organization.create": _("Organization created"),
                "organizations.organization.update": _("Organization changed"),
                "organizations.organization.move": _("Organization moved"),
                "organizations.member.create": _("Member added"),
                "organizations.member.update": _("Member changed"),
                "organizations.member.account_create": _("Account given to member"),
                "organizations.post.create": _("Post assigned"),
                "organizations.post.end": _("Post ended"),
                "organizations.transfer.request": _("Transfer requested"),
                "organizations.transfer.accept": _("Transfer accepted"),
                "organizations.transfer.reject": _("Transfer rejected"),
                "organizations.transfer.cancel": _("Transfer cancelled"),
                "organizations.grant.create": _("Role granted"),
                "organizations.member.account_reset": _("Account password reset"),
                "organizations.member.account_link": _("Existing account linked to member"),
                "organizations.member.account_deactivate": _("Account deactivated"),
                "organizations.member.account_activate": _("Account activated again"),
                "organizations.member.account_close": _("Account closed: the member left"),
                "organizations.member.roles_end": _("Roles at the old organization ended by a transfer"),
                "organizations.grant.revoke": _("Role revoked"),
                "organizations.import": _("Data imported"),
            }
        )
