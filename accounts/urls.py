from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("e/<str:code>/demande/", views.account_request, name="request"),
]
