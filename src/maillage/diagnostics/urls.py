from django.urls import path

from . import views

app_name = "diagnostics"

urlpatterns = [
    path("", views.index, name="index"),
    path("framework/", views.framework_detail, name="framework"),
    path("framework/publish/", views.framework_publish, name="framework_publish"),
    path("framework/<slug:slug>/<str:version>/", views.framework_detail, name="framework_version"),
    path("framework/<slug:slug>/<str:version>/download/", views.framework_download, name="framework_download"),
    path("parameters/", views.parameters, name="parameters"),
    path("aggregates/", views.aggregates, name="aggregates"),
    path("start/<slug:slug>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/share/", views.share, name="share"),
    path("<int:pk>/share/<int:organisation_pk>/delete/", views.unshare, name="unshare"),
    path("<int:pk>/<slug:step_id>/", views.step, name="step"),
]
