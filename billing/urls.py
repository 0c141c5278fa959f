from django.urls import path

from . import history
from . import views

app_name = "billing"

urlpatterns = [
    path("comptes/", views.accounts, name="accounts"),
    path("enfants/<int:pupil_id>/historique/", history.history, name="history"),
    path("enfants/<int:pupil_id>/historique.csv", history.history_csv, name="history_csv"),
]
