from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("basket/<slug:slug>/", views.basket, name="basket"),
    path("offers/<slug:slug>/conditions/", views.offer_conditions, name="offer_conditions"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("notifications/", views.notification_list, name="notifications"),
]
