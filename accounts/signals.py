"""What accounts tells the apps above it (the family's app turns it into notifications), and what a login's
change means for its family's kept pages."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from portal.lib import cached_pages

from .models import User

# Sent inside the transaction that validated an account request: request=AccountRequest, user=User, pupil=Pupil.
request_approved = Signal()


@receiver(post_save, sender=User, dispatch_uid="accounts.renew_pages_of_login")
def login_changed(sender, instance: User, raw: bool = False, update_fields=None, **kwargs) -> None:
    """The home page greets the parent by name: renewed when the login changes, not at each login (which
    saves ``last_login`` alone)."""
    if not raw and set(update_fields or ()) != {"last_login"}:
        cached_pages.bump([instance.pk])
