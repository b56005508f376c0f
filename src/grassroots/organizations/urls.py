from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/<int:pk>/", views.detail, name="detail"),
    path("orgs/<int:pk>/children/", views.children, name="children"),
    path("orgs/<int:pk>/new/", views.organization_new, name="new"),
    path("orgs/<int:pk>/move/", views.organization_move, name="move"),
    path("orgs/<int:pk>/members/new/", views.member_new, name="member_new"),
    path("orgs/<int:pk>/posts/new/", views.post_new, name="post_new"),
    path("orgs/<int:pk>/export/", views.export_members, name="export"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/<int:pk>/account/", views.member_account, name="member_account"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("members/search/", views.member_search, name="search"),
    path("members/pick/", views.member_pick, name="member_pick"),
    path("orgs/pick/", views.organization_pick, name="organization_pick"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/<str:decision>/", views.transfer_decide, name="transfer_decide"),
    path("import/", views.import_page, name="import"),
]
