from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("", views.index, name="index"),
    path("template.csv", views.template_csv, name="template"),
    path("imports/<int:pk>/", views.run_detail, name="run"),
    path("imports/<int:pk>/import/", views.run_import, name="run_import"),
    path("imports/<int:pk>/abandon/", views.run_abandon, name="run_abandon"),
    path("exports/hsds-organizations.json", views.export_hsds, name="export_hsds"),
    path("exports/360giving-grants.csv", views.export_giving, name="export_giving"),
]
