from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("e/<str:code>/demande/", views.account_request, name="request"),
    path("e/<str:code>/demande/envoyee/", views.request_sent, name="request_sent"),
    path("e/<str:code>/conditions-d-utilisation/", views.terms, name="terms"),
    path("compte/activer/<uidb64>/<token>/", views.ActivateView.as_view(), name="activate"),
    path("compte/activer/<uidb64>/", views.resend_activation, name="resend_activation"),
]
