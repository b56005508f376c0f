"""The dashboards' pages: /dashboards/ leads to the highest one the user may open."""

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/", views.index, name="index"),
    path("dashboards/<int:pk>/", views.dashboard, name="dashboard"),
    path("dashboards/<int:pk>/screen/", views.screen, name="screen"),
    path("dashboards/<int:pk>/screen/panels/", views.screen_panels, name="screen_panels"),
    path("dashboards/<int:pk>/list/<slug:kind>/", views.figure_list, name="list"),
]
