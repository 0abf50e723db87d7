from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_create, name="create"),
    path("compare/", views.compare, name="compare"),
    path("<slug:slug>/", views.scenario_detail, name="detail"),
    path("<slug:slug>/edit/", views.scenario_edit, name="edit"),
    path("<slug:slug>/delete/", views.scenario_delete, name="delete"),
    path("<slug:slug>/changes/", views.scenario_changes, name="changes"),
    path("<slug:slug>/pool/", views.scenario_pool, name="pool"),
    path("<slug:slug>/new-offer/", views.scenario_new_offer, name="new_offer"),
    path("<slug:slug>/undo/", views.scenario_undo, name="undo"),
    path("<slug:slug>/import/", views.scenario_import, name="import"),
    path("<slug:slug>/run/", views.scenario_run, name="run"),
    path("<slug:slug>/runs/<int:pk>/", views.run_progress, name="progress"),
    path("<slug:slug>/runs/<int:pk>/cancel/", views.run_cancel, name="cancel"),
    path("<slug:slug>/results/", views.scenario_results, name="results"),
    path("<slug:slug>/results/offers/<str:offer>/", views.offer_advice, name="offer_advice"),
    path("<slug:slug>/results/initiatives/<slug:initiative>/", views.initiative_advice, name="initiative_advice"),
    path("<slug:slug>/files/<str:name>", views.download, name="download"),
]
