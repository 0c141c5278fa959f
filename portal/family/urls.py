"""The family's pages, in the URL namespace "portal" (the app's label)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import booking, debits, export, home, login, notifications, privacy_pages, profile, quotient, threads

app_name = "portal"

urlpatterns = [
    path("", login.root, name="root"),
    path("e/<str:code>/", login.EstablishmentLoginView.as_view(), name="login"),
    path("accueil/", home.home, name="home"),
    path("e/<str:code>/contact/", threads.public_contact, name="public_contact"),
    path("e/<str:code>/contact/envoye/", threads.public_contact_sent, name="public_contact_sent"),
    path("messages/", threads.messages_page, name="messages"),
    path("messages/<int:pk>/", threads.thread, name="thread"),
    path("reservations/", booking.grid, name="bookings"),
    path("reservations/jour/", booking.toggle, name="booking_toggle"),
    path("reservations/chaque-semaine/", booking.repeat, name="booking_repeat"),
    path("reservations/copier/", booking.copy, name="booking_copy"),
    path("autres-moyens-de-paiement/", home.other_payments, name="other_payments"),
    path("autres-moyens-de-paiement/prelevement/<int:pk>/", debits.request_mandate, name="mandate_request"),
    path("autres-moyens-de-paiement/mandat/<int:pk>/imprimer/", debits.print_mandate, name="mandate_print"),
    path("autres-moyens-de-paiement/mandat/<int:pk>/arreter/", debits.stop_mandate, name="mandate_stop"),
    path("profil/", profile.profile, name="profile"),
    path("profil/email/", profile.change_email, name="change_email"),
    path("profil/email/<str:token>/", profile.confirm_email, name="confirm_email"),
    path("profil/mes-donnees.json", export.export_json, name="export_json"),
    path("profil/mes-donnees.csv", export.export_csv, name="export_csv"),
    path("profil/supprimer/", privacy_pages.delete_account, name="delete_account"),
    path("donnees-personnelles/", privacy_pages.privacy_notice, name="privacy"),
    path("e/<str:code>/donnees-personnelles/", privacy_pages.privacy_notice, name="privacy_of"),
    path("mentions-legales/", privacy_pages.legal_notice, name="legal"),
    path("e/<str:code>/mentions-legales/", privacy_pages.legal_notice, name="legal_of"),
    path("gestion/famille/<int:pk>/supprimer/", privacy_pages.staff_delete_family, name="staff_delete_family"),
    path(
        "gestion/famille/<int:pk>/donnees.<str:fmt>",
        privacy_pages.staff_export_family,
        name="staff_export_family",
    ),
    path("profil/quotient-familial/", quotient.quotient, name="quotient"),
    path("profil/quotient-familial/<int:pk>/attestation/", quotient.attestation, name="quotient_attestation"),
    path("profil/mot-de-passe/", profile.PasswordChange.as_view(), name="password_change"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", login.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
