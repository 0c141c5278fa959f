from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.views.i18n import set_language

from . import email_previews, profile, views

portal_patterns = [
    path("", views.root, name="root"),
    path("e/<str:code>/", views.EstablishmentLoginView.as_view(), name="login"),
    path("accueil/", views.home, name="home"),
    path("e/<str:code>/contact/", views.public_contact, name="public_contact"),
    path("e/<str:code>/contact/envoye/", views.public_contact_sent, name="public_contact_sent"),
    path("messages/", views.messages_page, name="messages"),
    path("messages/<int:pk>/", views.thread, name="thread"),
    path("autres-moyens-de-paiement/", views.other_payments, name="other_payments"),
    path("profil/", views.profile, name="profile"),
    path("profil/email/", profile.change_email, name="change_email"),
    path("profil/email/<str:token>/", profile.confirm_email, name="confirm_email"),
    path("profil/mes-donnees.json", profile.export_json, name="export_json"),
    path("profil/mes-donnees.csv", profile.export_csv, name="export_csv"),
    path("profil/mot-de-passe/", views.PasswordChange.as_view(), name="password_change"),
    path("notifications/", views.notifications, name="notifications"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
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
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("langue/", set_language, name="set_language"),
    path("admin/apercu-emails/", email_previews.index, name="email_previews"),
    path("admin/apercu-emails/<slug:name>/", email_previews.html, name="email_preview_html"),
    path("admin/", admin.site.urls),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database outage met outside a view is a French 503 too (portal.middleware).
handler500 = "portal.middleware.server_error"
