"""``POST /api/till/meals``: the till's cash register posts its meals here (contract: docs/till-api.md)."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Till
from .passages import MAX_PASSAGES, record_passages

# {"passages": [{"card": …}]} is 3 deep; a little room for what a till may add, not a thousand levels.
MAX_DEPTH = 8
TOO_DEEP = object()


def _depth_exceeds(value, limit: int) -> bool:
    """True when lists and objects nest deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="till"'
    return response


@csrf_exempt  # a machine client authenticated by its bearer token, not a browser session
@require_POST
def meals(request):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    till = Till.objects.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if till is None:
        return _error(_("Jeton de borne absent, invalide ou révoqué."), 401)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):  # also a number of more than 4,300 digits
        return _error(_("Le corps de la requête n'est pas du JSON valide."), 400)
    except RecursionError:
        body = TOO_DEEP
    if body is TOO_DEEP or _depth_exceeds(body, MAX_DEPTH):
        return _error(_("Le corps de la requête est imbriqué trop profondément."), 400)
    passages = body.get("passages") if isinstance(body, dict) else None
    if not isinstance(passages, list):
        return _error(_("Le corps doit être un objet JSON avec une liste « passages »."), 400)
    if len(passages) > MAX_PASSAGES:
        return _error(_("Au plus %(max)d passages par requête.") % {"max": MAX_PASSAGES}, 400)
    return JsonResponse({"results": record_passages(till, passages)})
