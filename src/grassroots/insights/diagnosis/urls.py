from django.urls import path

from . import views

# Under insights/diagnosis/: the other parts of the app have their own prefixes beside it.
urlpatterns = [
    path("insights/diagnosis/", views.home, name="diagnosis_home"),
    path("insights/diagnosis/orgs/<int:pk>/new-duty/", views.new_duty, name="new_duty"),
    path("insights/diagnosis/<str:code>/", views.diagnosis, name="diagnosis"),
    path("insights/diagnosis/<str:code>/thresholds/", views.thresholds, name="thresholds"),
    path("insights/diagnosis/<str:code>/thresholds/set/", views.threshold_step, name="threshold_step"),
    path("insights/diagnosis/<str:code>/keep/", views.keep, name="keep"),
    path("insights/diagnosis/<str:code>/findings/<str:check>/", views.drill, name="drill"),
]
