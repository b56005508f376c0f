from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:step>/", views.case_step, name="case_step"),
    path("cases/rules/", views.rules, name="rules"),
]
