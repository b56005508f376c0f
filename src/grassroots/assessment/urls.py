from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("assessment/", views.runs, name="runs"),
    path("assessment/new/", views.run_new, name="run_new"),
    path("assessment/systems/", views.systems, name="systems"),
    path("assessment/systems/<int:pk>/", views.system_detail, name="system"),
    path("assessment/systems/<int:pk>/new-version/", views.system_new_version, name="system_new_version"),
    path("assessment/systems/<int:pk>/activate/", views.system_activate, name="system_activate"),
    path("assessment/systems/<int:pk>/weights/", views.weights, name="weights_top"),
    path("assessment/systems/<int:pk>/weights/<int:group>/", views.weights, name="weights"),
    path("assessment/runs/<int:pk>/", views.run_detail, name="run"),
    path("assessment/runs/<int:pk>/do/<str:action>/", views.run_action, name="run_action"),
    path("assessment/runs/<int:pk>/links/", views.run_links, name="links"),
    path("assessment/runs/<int:pk>/vetoes/", views.run_vetoes, name="vetoes"),
    path("assessment/runs/<int:pk>/values/", views.run_values, name="values"),
    path("assessment/runs/<int:pk>/values/<int:value_pk>/evidence/", views.value_evidence, name="value_evidence"),
    path("assessment/runs/<int:pk>/results/", views.results, name="results"),
    path("assessment/runs/<int:pk>/results.<str:fmt>", views.results_export, name="results_export"),
    path("assessment/runs/<int:pk>/sensitivity/", views.sensitivity, name="sensitivity"),
    path("assessment/runs/<int:pk>/org/<int:org_pk>/", views.explain, name="explain"),
    path("assessment/ratings/", views.ratings_to_give, name="ratings_to_give"),
    path("assessment/runs/<int:pk>/rate/<str:kind>/", views.rate_as, name="rate_as"),
    path("rate/<str:token>/", views.rate, name="rate"),
]
