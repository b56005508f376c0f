from django.urls import path

from . import views, views_review

app_name = "accountability"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:step>/", views.case_step, name="case_step"),
    path("cases/rules/", views.rules, name="rules"),
    # The report-on-duty review and its three lists (views_review.py).
    path("duty-reviews/", views_review.review_list, name="reviews"),
    path("duty-reviews/new/", views_review.review_new, name="review_new"),
    path("duty-reviews/mine/", views_review.my_reports, name="my_reports"),
    path("duty-reviews/<int:pk>/", views_review.review_detail, name="review"),
    path("duty-reviews/<int:pk>/<slug:step>/", views_review.review_step, name="review_step"),
    path("duty-reviews/reports/<int:pk>/", views_review.report_detail, name="review_report"),
    path("duty-reviews/reports/<int:pk>/<slug:step>/", views_review.report_step, name="review_report_step"),
    path("duty-reviews/items/<int:pk>/remove/", views_review.item_remove, name="review_item_remove"),
    path("duty-reviews/files/<int:pk>/", views_review.report_file, name="review_file"),
    path("duty-reviews/files/<int:pk>/thumb/", views_review.report_file_thumb, name="review_file_thumb"),
]

# --- Commendations and the red/yellow board ---
from . import views_honours  # noqa: E402

urlpatterns += [
    path("commendations/", views_honours.commendation_list, name="commendations"),
    path("commendations/candidates/", views_honours.commendation_proposals, name="commendation_proposals"),
    path("commendations/new/", views_honours.commendation_new, name="commendation_new"),
    path("commendations/<int:pk>/", views_honours.commendation_detail, name="commendation"),
    path("commendations/<int:pk>/<slug:step>/", views_honours.commendation_step, name="commendation_step"),
    path("commendations/files/<int:pk>/", views_honours.commendation_file, name="commendation_file"),
    path("commendations/files/<int:pk>/thumb/", views_honours.commendation_file_thumb, name="commendation_file_thumb"),
    path("boards/", views_honours.board_list, name="boards"),
    path("boards/publish/", views_honours.board_publish, name="board_publish"),
    path("boards/<int:pk>/", views_honours.board_detail, name="board"),
    path("boards/<int:pk>/withdraw/", views_honours.board_withdraw, name="board_withdraw"),
]
