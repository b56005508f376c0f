from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from grassroots.core.api import AuditEntryViewSet
from grassroots.organizations import api as org_api

router = DefaultRouter()
router.register("organizations", org_api.OrganizationViewSet, basename="organization")
router.register("members", org_api.MemberViewSet, basename="member")
router.register("posts", org_api.PostViewSet, basename="post")
router.register("transfers", org_api.TransferViewSet, basename="transfer")
router.register("grants", org_api.GrantViewSet, basename="grant")
router.register("audit", AuditEntryViewSet, basename="audit")

urlpatterns = [path("token/", obtain_auth_token, name="api-token"), *router.urls]
