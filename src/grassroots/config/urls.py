from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from grassroots.core import account
from grassroots.core import views as core_views

urlpatterns = [
    path("", include("grassroots.site.urls")),
    path("health/", core_views.health, name="health"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", core_views.set_language, name="set_language"),
    path("text-size/", core_views.set_text_size, name="set_text_size"),
    path("audit/", core_views.audit_trail, name="audit"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("jobs/<int:pk>/", core_views.job, name="job"),
    path("account/", account.security, name="security"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("account/two-factor/recovery/", account.two_factor_recovery, name="two_factor_recovery"),
    path("account/two-factor/remove/", account.two_factor_remove, name="two_factor_remove"),
    path("account/tokens/", account.api_tokens, name="api_tokens"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("account/sign-ins/<int:pk>/end/", account.sign_in_end, name="sign_in_end"),
    path("password-reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", account.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/tokens/<int:pk>/revoke/", account.api_token_revoke, name="api_token_revoke"),
    path("", include("grassroots.organizations.urls")),
    path("", include("grassroots.duties.urls")),
    path("", include("grassroots.orglife.urls")),
    path("", include("grassroots.assessment.urls")),
    path("", include("grassroots.accountability.urls")),
    path("", include("grassroots.reports.urls")),
    path("", include("grassroots.disclosure.urls")),
    path("", include("grassroots.insights.urls")),
    path("", include("grassroots.site.dashboards.urls")),
    path("api/", include("grassroots.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",  # its script served apart, so that the Content-Security-Policy needs no inline script
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="core/swagger_ui.html"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

handler404 = core_views.not_found  # JSON under /api/, the site's page elsewhere
handler500 = "grassroots.core.outage.server_error"  # the 500 page; a database out of reach answers 503
