from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("comptes/", views.accounts, name="accounts"),
    path("comptes/famille/", views.family, name="family"),
    path("paiements/", views.payments, name="payments"),
    path("paiements/<int:pk>/retour/", views.payment_return, name="payment_return"),
    path("paiements/<int:pk>/annulation/", views.payment_cancel, name="payment_cancel"),
    path("paiements/<int:pk>/demonstration/", views.demo_pay, name="demo_pay"),
    path("paiements/<int:pk>/recu/", views.receipt, name="receipt"),
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
