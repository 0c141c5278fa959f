"""Who changed what, and when: entries of Django's admin log, shown on each object's "Historique" page.

The admin's own add, change and delete pages write these entries themselves. Every other change made
by staff (validating a request, cancelling a payment, confirming a debit, closing a balance…) calls
``record`` inside the transaction of its change: an action that rolls back leaves no entry, and an
entry never exists without its change.

The admin's history page finds an object's entries by the content type of the admin's model, proxies
included (``get_content_type_for_model``). An object shown by a proxy admin (a ``DeskPayment``) is
therefore recorded under that proxy: pass it through ``as_proxy`` first.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models

__all__ = ["ADDITION", "CHANGE", "DELETION", "as_proxy", "record"]


def record(user, objects: models.Model | Iterable[models.Model], message: str, *, action: int = CHANGE) -> None:
    """One entry per object: done by ``user``, now, reading ``message`` (plain text, shown as is).

    Nothing is recorded without a user (a management command run by the server's operator).
    """
    if user is None:
        return
    objects = [objects] if isinstance(objects, models.Model) else list(objects)
    if objects:
        LogEntry.objects.log_actions(user.pk, objects, action, str(message))


def as_proxy(obj: models.Model, proxy: type[models.Model]) -> models.Model:
    """``obj`` as an instance of ``proxy``, a proxy of its model (same row, same fields), without a query."""
    if isinstance(obj, proxy):
        return obj
    seen = copy.copy(obj)
    seen.__class__ = proxy
    return seen
