from django.urls import path

from .views import notices, public, settings

app_name = "disclosure"

urlpatterns = [
    # The public site: no login.
    path("public/", public.index, name="public_index"),
    path("public/language/<str:language>/", public.language, name="public_language"),
    path("public/<str:code>/", public.organization, name="public"),
    path("public/<str:code>/minutes/<int:pk>/", public.minutes, name="public_minutes"),
    path("public/<str:code>/notices/<int:pk>/", public.notice, name="public_notice"),
    path("public/<str:code>/<slug:item>/", public.section, name="public_section"),
    # What an organization publishes, and its committees' rules.
    path("disclosure/<str:code>/", settings.settings_page, name="settings"),
    path("disclosure/<str:code>/rules/", settings.rule, name="rule"),
    path("disclosure/<str:code>/minutes/<int:pk>/<slug:step>/", settings.release, name="release"),
    path("disclosure/<str:code>/<slug:step>/", settings.publish, name="publish"),
    # Notices.
    path("notices/", notices.notice_list, name="notices"),
    path("notices/new/", notices.notice_new, name="notice_new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/<slug:step>/", notices.notice_step, name="notice_step"),
]
