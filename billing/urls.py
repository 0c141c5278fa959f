from django.urls import path

from . import history, payment_views, webhooks

app_name = "billing"

urlpatterns = [
    path("comptes/", payment_views.accounts, name="accounts"),
    path("comptes/famille/", payment_views.family, name="family"),
    path("paiements/", payment_views.payments, name="payments"),
    path("paiements/<int:pk>/retour/", payment_views.payment_return, name="payment_return"),
    path("paiements/<int:pk>/annulation/", payment_views.payment_cancel, name="payment_cancel"),
    path("paiements/<int:pk>/demonstration/", payment_views.demo_pay, name="demo_pay"),
    path("paiements/<int:pk>/recu/", payment_views.receipt, name="receipt"),
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("enfants/<int:pupil_id>/historique/", history.history, name="history"),
    path("enfants/<int:pupil_id>/historique.csv", history.history_csv, name="history_csv"),
]
