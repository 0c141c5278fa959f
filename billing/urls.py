"""Billing's pages, all under the ``billing`` namespace: the ledger's history here, then each way money moves."""

from django.urls import include, path

from . import views

app_name = "billing"

urlpatterns = [
    path("enfants/<int:pupil_id>/historique/", views.history, name="history"),
    path("enfants/<int:pupil_id>/historique.csv", views.history_csv, name="history_csv"),
    path("", include("billing.online.urls")),
    path("", include("billing.till.urls")),
]
