from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from grassroots.core import views as core_views

urlpatterns = [
    path("", include("grassroots.site.urls")),
    path("health/", core_views.health, name="health"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", core_views.set_language, name="set_language"),
    path("audit/", core_views.audit_trail, name="audit"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("", include("grassroots.organizations.urls")),
    path("", include("grassroots.duties.urls")),
    path("", include("grassroots.orglife.urls")),
    path("", include("grassroots.assessment.urls")),
    path("", include("grassroots.accountability.urls")),
    path("api/", include("grassroots.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = core_views.not_found  # JSON under /api/, the site's page elsewhere
