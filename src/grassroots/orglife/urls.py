from django.urls import path

from .views import appraisal, care, life, meetings, points, study, talks

app_name = "orglife"
urlpatterns = [
    path("orgs/<int:pk>/life/", life.org_life, name="org"),
    path("orgs/<int:pk>/meetings/", meetings.meeting_list, name="meetings"),
    path("orgs/<int:pk>/meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("orgs/<int:pk>/meetings/plan/", meetings.meeting_plan, name="meeting_plan"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/hold/", meetings.meeting_hold, name="meeting_hold"),
    path("meeting-files/<int:pk>/", meetings.meeting_file, name="meeting_file"),
    path("meeting-files/<int:pk>/thumb/", meetings.meeting_file_thumb, name="meeting_file_thumb"),
    path("meeting-files/<int:pk>/describe/", meetings.meeting_file_describe, name="meeting_file_describe"),
    path("study/new/", study.study_new, name="study_new"),
    path("study/<int:pk>/decide/", study.study_decide, name="study_decide"),
    path("orgs/<int:pk>/study/", study.study, name="study"),
    path("points/rules/", points.point_rules, name="point_rules"),
    path("points/<int:pk>/correct/", points.points_correct, name="points_correct"),
    path("members/<int:pk>/points/", points.member_points, name="member_points"),
    path("orgs/<int:pk>/points/new/", points.points_new, name="points_new"),
    path("orgs/<int:pk>/appraisal/open/", appraisal.appraisal_open, name="appraisal_open"),
    path("appraisals/<int:pk>/", appraisal.appraisal_detail, name="appraisal"),
    path("appraisals/<int:pk>/vote/", appraisal.appraisal_vote, name="appraisal_vote"),
    path("appraisals/<int:pk>/close/", appraisal.appraisal_close, name="appraisal_close"),
    path("orgs/<int:pk>/care/", care.care, name="care"),
    path("orgs/<int:pk>/care/new/", care.care_new, name="care_new"),
    path("orgs/<int:pk>/care/visit/", care.care_visit, name="care_visit"),
    path("care/<int:pk>/close/", care.care_close, name="care_close"),
    path("orgs/<int:pk>/talks/", talks.talks, name="talks"),
    path("orgs/<int:pk>/talks/new/", talks.talk_new, name="talk_new"),
]
