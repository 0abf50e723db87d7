from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.index, name="index"),
    path("survey/<int:pk>/", views.survey, name="survey"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<slug:slug>/", views.scorecard, name="scorecard"),
    path("scorecards/<slug:slug>/summary/", views.summary, name="summary"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/<slug:slug>/", views.cycle, name="cycle"),
    path("cycles/<slug:slug>/<str:action>/", views.cycle_action, name="cycle_action"),
    path("comments/", views.comments, name="comments"),
    path("practices/", views.practices, name="practices"),
]
