from django.urls import path

from .views import public, staff

# The public's pages sit under the organization's public site, with three parts after its code, so that no pattern of
# the public site (public/<code>/<item>/) takes them.
urlpatterns = [
    path("public/<str:code>/appeal/new/", public.appeal_new, name="appeal_new"),
    path("public/<str:code>/appeal/follow/", public.follow_find, name="appeal_find"),
    path("public/<str:code>/appeal/follow/<str:follow>/", public.follow, name="appeal_follow"),
    path("public/<str:code>/appeal/follow/<str:follow>/rate/", public.rate, name="appeal_rate"),
    path("appeals/", staff.appeal_list, name="appeals"),
    path("appeals/figures/", staff.appeal_figures, name="appeal_figures"),
    path("appeals/<int:pk>/", staff.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/photo/", staff.appeal_photo, name="appeal_photo"),
    path("appeals/<int:pk>/photo/thumb/", staff.appeal_photo_thumb, name="appeal_photo_thumb"),
    path("appeals/<int:pk>/<slug:step>/", staff.appeal_step, name="appeal_step"),
]
