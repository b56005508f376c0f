from django.urls import path

from .views import assignments, evidence, issue, lists, objectives, review, work

app_name = "duties"
urlpatterns = [
    path("orgs/<int:pk>/objectives/", objectives.objectives, name="objectives"),
    path("objectives/<int:pk>/value/", objectives.objective_value, name="objective_value"),
    path("work/", work.my_work, name="my_work"),
    path("work/overdue/", work.overdue, name="overdue"),
    path("work/claim/<int:pk>/", work.claim, name="claim"),
    path("claims/<int:pk>/withdraw/", work.claim_withdraw, name="claim_withdraw"),
    path("orgs/<int:pk>/duties/", lists.org_lists, name="org_lists"),
    path("orgs/<int:pk>/duties/new-list/", lists.list_new, name="list_new"),
    path("orgs/<int:pk>/duties/copy/", lists.list_copy, name="list_copy"),
    path("duties/lists/<int:pk>/", lists.duty_list, name="list"),
    path("duties/lists/<int:pk>/new/", lists.duty_new, name="duty_new"),
    path("duties/<int:pk>/", lists.duty_detail, name="duty"),
    path("duties/<int:pk>/edit/", lists.duty_edit, name="duty_edit"),
    path("duties/<int:pk>/issue/", issue.duty_issue, name="issue"),
    path("assignments/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/report/", assignments.report, name="report"),
    path("assignments/<int:pk>/edit/", assignments.assignment_update, name="assignment_update"),
    path("assignments/<int:pk>/due-date/", assignments.due_date_request, name="due_date_request"),
    path("assignments/<int:pk>/decompose/", assignments.decompose, name="decompose"),
    path("reports/<int:pk>/review/", review.report_review, name="report_review"),
    path("reports/<int:pk>/withdraw/", assignments.report_withdraw, name="report_withdraw"),
    path("due-dates/<int:pk>/decide/", review.due_date_decide, name="due_date_decide"),
    path("evidence/<int:pk>/", evidence.evidence_file, name="evidence"),
    path("evidence/<int:pk>/thumb/", evidence.evidence_thumb, name="evidence_thumb"),
    path("evidence/<int:pk>/describe/", evidence.evidence_describe, name="evidence_describe"),
    path("review/", review.review_queue, name="review"),
    path("review/many/", review.review_many, name="review_many"),
]
