from django.urls import path

from . import views

app_name = "collective"

urlpatterns = [
    path("", views.index, name="index"),
    path("record/", views.record, name="record"),
    path("indicators.jsonld", views.cids_export, name="cids"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/new/", views.indicator_new, name="indicator_new"),
    path("indicators/<slug:slug>/", views.indicator_detail, name="indicator"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/polis.zip", views.polis_export, name="polis"),
    path("rounds/<slug:slug>/ranking.csv", views.ranking_csv, name="ranking_csv"),
    path("rounds/<slug:slug>/statements/<int:number>/<str:verb>/", views.statement_action, name="statement_action"),
    path("rounds/<slug:slug>/<str:action>/", views.round_action, name="round_action"),
]
