from django.urls import path

from . import views

app_name = "duties"
urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("duties/lists/<int:pk>/", views.duty_list, name="list"),
    path("duties/<int:pk>/", views.duty_detail, name="duty"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("review/", views.review_queue, name="review"),
]
