from django.urls import path
from rest_framework.routers import DefaultRouter

from grassroots.accountability import api as accountability_api
from grassroots.accountability import api_honours, api_review
from grassroots.assessment import api as assessment_api
from grassroots.core.api import AuditEntryViewSet
from grassroots.core.api_tokens import ObtainToken, TokenViewSet
from grassroots.disclosure import api as disclosure_api
from grassroots.duties import api as duty_api
from grassroots.insights.appeals import api as appeals_api
from grassroots.insights.diagnosis import api as diagnosis_api
from grassroots.insights.formalism import api as formalism_api
from grassroots.organizations import api as org_api
from grassroots.orglife import api as orglife_api
from grassroots.reports import api as reports_api
from grassroots.site import api as site_api
from grassroots.site.dashboards import api as dashboard_api

router = DefaultRouter()
router.register("organizations", org_api.OrganizationViewSet, basename="organization")
router.register("members", org_api.MemberViewSet, basename="member")
router.register("posts", org_api.PostViewSet, basename="post")
router.register("transfers", org_api.TransferViewSet, basename="transfer")
router.register("grants", org_api.GrantViewSet, basename="grant")
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("tokens", TokenViewSet, basename="api-token-own")
router.register("periods", duty_api.PeriodViewSet, basename="period")
router.register("objectives", duty_api.ObjectiveViewSet, basename="objective")
router.register("duty-lists", duty_api.DutyListViewSet, basename="duty-list")
router.register("duties", duty_api.DutyViewSet, basename="duty")
router.register("assignments", duty_api.AssignmentViewSet, basename="assignment")
router.register("reports", duty_api.ProgressReportViewSet, basename="report")
router.register("evidence", duty_api.EvidenceViewSet, basename="evidence")
router.register("due-date-requests", duty_api.DueDateRequestViewSet, basename="due-date-request")
router.register("claims", duty_api.ClaimViewSet, basename="claim")
router.register("notifications", duty_api.NotificationViewSet, basename="notification")
router.register("meetings", orglife_api.MeetingViewSet, basename="meeting")
router.register("meeting-rules", orglife_api.MeetingRuleViewSet, basename="meeting-rule")
router.register("study-records", orglife_api.StudyRecordViewSet, basename="study-record")
router.register("study-plans", orglife_api.StudyPlanViewSet, basename="study-plan")
router.register("point-rules", orglife_api.PointRuleViewSet, basename="point-rule")
router.register("point-entries", orglife_api.PointEntryViewSet, basename="point-entry")
router.register("appraisals", orglife_api.AppraisalViewSet, basename="appraisal")
router.register("care-cases", orglife_api.CareCaseViewSet, basename="care-case")
router.register("care-visits", orglife_api.CareVisitViewSet, basename="care-visit")
router.register("talks", orglife_api.TalkViewSet, basename="talk")
router.register("indicator-systems", assessment_api.SystemViewSet, basename="indicator-system")
router.register("assessment-runs", assessment_api.RunViewSet, basename="assessment-run")
router.register("assessment-results", assessment_api.ResultViewSet, basename="assessment-result")
router.register("veto-events", assessment_api.VetoEventViewSet, basename="veto-event")
router.register("entered-values", assessment_api.EnteredValueViewSet, basename="entered-value")
router.register("cases", accountability_api.CaseViewSet, basename="case")
router.register("pursuit-rules", accountability_api.PursuitRuleViewSet, basename="pursuit-rule")
router.register("commendations", api_honours.CommendationViewSet, basename="commendation")
router.register("boards", api_honours.BoardViewSet, basename="board")
router.register("duty-reviews", api_review.DutyReviewViewSet, basename="duty-review")
router.register("duty-reports", api_review.DutyReportViewSet, basename="duty-report")
router.register("duty-review-ratings", api_review.ReviewRatingViewSet, basename="duty-review-rating")
router.register("duty-review-items", api_review.ReviewListItemViewSet, basename="duty-review-item")
router.register("org-reports", reports_api.OrganizationReportViewSet, basename="org-report")
router.register("disclosure-rules", disclosure_api.DisclosureRuleViewSet, basename="disclosure-rule")
router.register("disclosure", disclosure_api.DisclosureViewSet, basename="disclosure")
router.register("notices", disclosure_api.NoticeViewSet, basename="notice")
router.register("appeals", appeals_api.AppealViewSet, basename="appeal")
router.register("dashboards", dashboard_api.DashboardViewSet, basename="dashboard")

router.register("formalism-flags", formalism_api.FlagViewSet, basename="formalism-flag")
router.register("completeness", site_api.CompletenessViewSet, basename="completeness")
router.register("diagnosis", diagnosis_api.DiagnosisViewSet, basename="diagnosis")
router.register("diagnosis-thresholds", diagnosis_api.ThresholdViewSet, basename="diagnosis-threshold")

urlpatterns = [path("token/", ObtainToken.as_view(), name="api-token"), *router.urls]
