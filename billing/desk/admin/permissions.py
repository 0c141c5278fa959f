"""Who may do what at the cash desk: "Caisse" records, "Administration" reads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

RECORD = "billing.add_deskpayment"
READ = "billing.view_deskpayment"


def can_record(request) -> bool:
    return request.user.has_perm(RECORD)


def require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied
