"""The project's URLs: the family's pages, accounts, billing, the admin, and the health checks."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from portal.lib import email_previews

from . import health

urlpatterns = [
    path("", include("portal.family.urls")),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("langue/", set_language, name="set_language"),
    path("admin/apercu-emails/", email_previews.index, name="email_previews"),
    path("admin/apercu-emails/<slug:name>/", email_previews.html, name="email_preview_html"),
    path("admin/", admin.site.urls),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database outage met outside a view is a French 503 too (portal.middleware).
handler500 = "portal.middleware.server_error"
