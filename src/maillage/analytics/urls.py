from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("needs/", views.needs, name="needs"),
    path("money/", views.money, name="money"),
    path("equity/", views.equity, name="equity"),
    path("network/", views.network, name="network"),
    path("report/", views.report, name="report"),
    path("synergies/", views.synergies, name="synergies"),
    path("synergies/contact/", views.synergy_contact, name="synergy_contact"),
]
