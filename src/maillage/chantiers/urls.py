from django.urls import path

from . import views

app_name = "chantiers"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("conditions/", views.overview, name="overview"),
    path("invitations/<int:pk>/", views.invitation_answer, name="invitation_answer"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/participants/", views.participants, name="participants"),
    path("<slug:slug>/indicators/", views.indicators, name="indicators"),
    path("<slug:slug>/actions/new/", views.action_edit, name="action_new"),
    path("<slug:slug>/actions/<int:pk>/", views.action_edit, name="action_edit"),
    path("<slug:slug>/journal/", views.journal, name="journal"),
    path("<slug:slug>/scenario/", views.scenario, name="scenario"),
    path("<slug:slug>/<str:name>.csv", views.table, name="table"),
]
