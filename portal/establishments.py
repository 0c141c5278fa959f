from __future__ import annotations

from canteen.models import Establishment

SESSION_KEY = "establishment_code"


def current_establishment(request) -> Establishment | None:
    """The school whose portal the visitor is on: from the URL, the session, or the parent's first child."""
    if hasattr(request, "_establishment"):
        return request._establishment
    found = None
    match = getattr(request, "resolver_match", None)
    code = (match.kwargs.get("code") if match else None) or request.session.get(SESSION_KEY)
    if code:
        found = Establishment.objects.filter(code=code).first()
    user = getattr(request, "user", None)
    if found is None and user is not None and user.is_authenticated:
        found = Establishment.objects.filter(pupils__guardianships__user=user).order_by("name").first()
    request._establishment = found
    return found
