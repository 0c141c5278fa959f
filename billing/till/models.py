"""The canteen's tills (bornes): each posts its meals to the till API with its own bearer token."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


class TillQuerySet(models.QuerySet):
    def authenticate(self, token: str) -> Till | None:
        """The active till holding ``token``, or None."""
        if not token:
            return None
        return self.select_related("establishment").filter(token_hash=hash_token(token), revoked_at=None).first()


class Till(models.Model):
    establishment = models.ForeignKey(
        "canteen.Establishment", on_delete=models.PROTECT, related_name="tills", verbose_name=_("établissement")
    )
    name = models.CharField(_("nom"), max_length=100)
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True, editable=False)

    objects = TillQuerySet.as_manager()

    class Meta:
        verbose_name = _("borne")
        verbose_name_plural = _("bornes")
        ordering = ["establishment", "name"]
        # A till's token books meals on any card of its school: holding one is holding a cash drawer.
        # Neither staff group gets this permission; a superuser grants it to the person who installs tills.
        permissions = [("manage_till", _("Peut créer, modifier ou révoquer une borne et voir son jeton"))]

    def __str__(self) -> str:
        return f"{self.establishment} — {self.name}"

    def new_token(self) -> str:
        """Give the till a fresh token and return it: it is shown once, only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

    @property
    def reference_prefix(self) -> str:
        """The start of the ledger reference of every meal this till booked (see ``billing.references``)."""
        return f"till:{self.pk}:"

    def revoke(self) -> None:
        Till.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=timezone.now())
        self.refresh_from_db(fields=["revoked_at"])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
