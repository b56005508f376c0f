from django.urls import path

from . import views

app_name = "orglife"
urlpatterns = [
    path("orgs/<int:pk>/life/", views.org_life, name="org"),
    path("orgs/<int:pk>/meetings/", views.meeting_list, name="meetings"),
    path("orgs/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("orgs/<int:pk>/meetings/plan/", views.meeting_plan, name="meeting_plan"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/hold/", views.meeting_hold, name="meeting_hold"),
    path("meeting-files/<int:pk>/", views.meeting_file, name="meeting_file"),
    path("meeting-files/<int:pk>/thumb/", views.meeting_file_thumb, name="meeting_file_thumb"),
    path("study/new/", views.study_new, name="study_new"),
    path("study/<int:pk>/decide/", views.study_decide, name="study_decide"),
    path("orgs/<int:pk>/study/", views.study, name="study"),
    path("points/rules/", views.point_rules, name="point_rules"),
    path("points/<int:pk>/correct/", views.points_correct, name="points_correct"),
    path("members/<int:pk>/points/", views.member_points, name="member_points"),
    path("orgs/<int:pk>/points/new/", views.points_new, name="points_new"),
    path("orgs/<int:pk>/appraisal/open/", views.appraisal_open, name="appraisal_open"),
    path("appraisals/<int:pk>/", views.appraisal_detail, name="appraisal"),
    path("appraisals/<int:pk>/vote/", views.appraisal_vote, name="appraisal_vote"),
    path("appraisals/<int:pk>/close/", views.appraisal_close, name="appraisal_close"),
    path("orgs/<int:pk>/care/", views.care, name="care"),
    path("orgs/<int:pk>/care/new/", views.care_new, name="care_new"),
    path("orgs/<int:pk>/care/visit/", views.care_visit, name="care_visit"),
    path("care/<int:pk>/close/", views.care_close, name="care_close"),
    path("orgs/<int:pk>/talks/", views.talks, name="talks"),
    path("orgs/<int:pk>/talks/new/", views.talk_new, name="talk_new"),
]
