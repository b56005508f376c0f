"""The top floor's pages: the start page, the login page and data completeness, under their old names."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("completeness/export.xlsx", views.completeness_export, name="completeness_export"),
    path("login/code/", views.login_code, name="login_code"),
]
