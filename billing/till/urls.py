from django.urls import path

from . import views

urlpatterns = [
    path("api/till/meals", views.meals, name="till_meals"),
]
