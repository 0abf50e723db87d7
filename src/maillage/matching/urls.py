from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("basket/<slug:slug>/", views.basket, name="basket"),
    path("offers/<slug:slug>/conditions/", views.offer_conditions, name="offer_conditions"),
]
