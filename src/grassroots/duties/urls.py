from django.urls import path

from . import views

app_name = "duties"
urlpatterns = [
    path("orgs/<int:pk>/objectives/", views.objectives, name="objectives"),
    path("objectives/<int:pk>/value/", views.objective_value, name="objective_value"),
    path("work/", views.my_work, name="my_work"),
    path("work/claim/<int:pk>/", views.claim, name="claim"),
    path("claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim_withdraw"),
    path("orgs/<int:pk>/duties/", views.org_lists, name="org_lists"),
    path("orgs/<int:pk>/duties/new-list/", views.list_new, name="list_new"),
    path("orgs/<int:pk>/duties/copy/", views.list_copy, name="list_copy"),
    path("duties/lists/<int:pk>/", views.duty_list, name="list"),
    path("duties/lists/<int:pk>/new/", views.duty_new, name="duty_new"),
    path("duties/<int:pk>/", views.duty_detail, name="duty"),
    path("duties/<int:pk>/edit/", views.duty_edit, name="duty_edit"),
    path("duties/<int:pk>/issue/", views.duty_issue, name="issue"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/report/", views.report, name="report"),
    path("assignments/<int:pk>/edit/", views.assignment_update, name="assignment_update"),
    path("assignments/<int:pk>/due-date/", views.due_date_request, name="due_date_request"),
    path("assignments/<int:pk>/decompose/", views.decompose, name="decompose"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/withdraw/", views.report_withdraw, name="report_withdraw"),
    path("due-dates/<int:pk>/decide/", views.due_date_decide, name="due_date_decide"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/thumb/", views.evidence_thumb, name="evidence_thumb"),
    path("review/", views.review_queue, name="review"),
]
