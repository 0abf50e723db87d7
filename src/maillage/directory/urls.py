from django.urls import path

from maillage.accounts import views as account_views

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("about/", views.about, name="about"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("organisations/<slug:slug>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:slug>/members/", account_views.organisation_members, name="organisation_members"),
    path("organisations/<slug:slug>/relations/new/", views.relation_create, name="relation_create"),
    path("relations/<int:pk>/delete/", views.relation_delete, name="relation_delete"),
    path("organisations/<slug:slug>/initiatives/new/", views.initiative_create, name="initiative_create"),
    path("organisations/<slug:slug>/offers/new/", views.offer_create, name="offer_create"),
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="initiative"),
    path("initiatives/<slug:slug>/edit/", views.initiative_edit, name="initiative_edit"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/<slug:slug>/", views.offer_detail, name="offer"),
    path("offers/<slug:slug>/edit/", views.offer_edit, name="offer_edit"),
    path("territories/", views.territory_list, name="territories"),
    path("territories/<slug:slug>/", views.territory_detail, name="territory"),
]
