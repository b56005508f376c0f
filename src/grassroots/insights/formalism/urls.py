from django.urls import path

from . import views

urlpatterns = [
    path("insights/flags/", views.flag_list, name="flags"),
    path("insights/flags/<int:pk>/", views.flag_detail, name="flag"),
    path("insights/flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
    path("insights/flags/<int:pk>/confirm/", views.flag_confirm, name="flag_confirm"),
    path("insights/flags/<int:pk>/case/", views.flag_open_case, name="flag_case"),
]
urlpatterns += [
    path("insights/flags/<int:pk>/photo/<str:side>/", views.flag_photo, name="flag_photo"),
]
