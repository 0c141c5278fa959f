"""``POST /api/till/meals``: the till's cash register posts its meals here (contract: docs/till-api.md)."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Till
from .passages import MAX_PASSAGES, record_passages


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
    except (ValueError, UnicodeDecodeError):
        return _error(_("Le corps de la requête n'est pas du JSON valide."), 400)
    passages = body.get("passages") if isinstance(body, dict) else None
    if not isinstance(passages, list):
        return _error(_("Le corps doit être un objet JSON avec une liste « passages »."), 400)
    if len(passages) > MAX_PASSAGES:
        return _error(_("Au plus %(max)d passages par requête.") % {"max": MAX_PASSAGES}, 400)
    return JsonResponse({"results": record_passages(till, passages)})
