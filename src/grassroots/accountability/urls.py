from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
