from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/<int:pk>/report/", views.report_download, name="report"),
    path("reports/<int:pk>/ledger/", views.ledger_download, name="ledger"),
    path("reports/runs/<int:pk>/results.xlsx", views.results_download, name="results"),
]
