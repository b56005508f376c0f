from django.urls import path

from .views import ratings, results, runs, systems

app_name = "assessment"
urlpatterns = [
    path("assessment/", runs.runs, name="runs"),
    path("assessment/new/", runs.run_new, name="run_new"),
    path("assessment/systems/", systems.systems, name="systems"),
    path("assessment/systems/<int:pk>/", systems.system_detail, name="system"),
    path("assessment/systems/<int:pk>/new-version/", systems.system_new_version, name="system_new_version"),
    path("assessment/systems/<int:pk>/activate/", systems.system_activate, name="system_activate"),
    path("assessment/systems/<int:pk>/indicators/add/", systems.indicator_add, name="indicator_add"),
    path("assessment/systems/<int:pk>/indicators/<int:indicator>/", systems.indicator_edit, name="indicator"),
    path(
        "assessment/systems/<int:pk>/indicators/<int:indicator>/remove/",
        systems.indicator_remove,
        name="indicator_remove",
    ),
    path("assessment/systems/<int:pk>/weights/", systems.weights, name="weights_top"),
    path("assessment/systems/<int:pk>/weights/<int:group>/", systems.weights, name="weights"),
    path("assessment/runs/<int:pk>/", runs.run_detail, name="run"),
    path("assessment/runs/<int:pk>/do/<str:action>/", runs.run_action, name="run_action"),
    path("assessment/runs/<int:pk>/links/", runs.run_links, name="links"),
    path("assessment/runs/<int:pk>/vetoes/", runs.run_vetoes, name="vetoes"),
    path("assessment/runs/<int:pk>/values/", runs.run_values, name="values"),
    path("assessment/runs/<int:pk>/values/<int:value_pk>/evidence/", runs.value_evidence, name="value_evidence"),
    path("assessment/runs/<int:pk>/results/", results.results, name="results"),
    path("assessment/runs/<int:pk>/results.<str:fmt>", results.results_export, name="results_export"),
    path("assessment/runs/<int:pk>/sensitivity/", results.sensitivity, name="sensitivity"),
    path("assessment/runs/<int:pk>/org/<int:org_pk>/", results.explain, name="explain"),
    path("assessment/ratings/", ratings.ratings_to_give, name="ratings_to_give"),
    path("assessment/runs/<int:pk>/rate/<str:kind>/", ratings.rate_as, name="rate_as"),
    path("rate/<str:token>/", ratings.rate, name="rate"),
]
