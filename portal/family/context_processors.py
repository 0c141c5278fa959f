from canteen.models import Establishment

from .establishments import current_establishment


def establishment(request):
    found = current_establishment(request)
    if found is None and request.path.startswith("/admin/"):
        # Staff of a single-school installation see its name in the admin's header.
        schools = list(Establishment.objects.all()[:2])
        found = schools[0] if len(schools) == 1 else None
    return {"establishment": found}


def unread_notifications(request):
    """The unread count on the Notifications tab and in the title: one count on a partial index, lazily, only
    for pages that show it (parents logged in), once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        if getattr(user, "unread_notifications_count", None) is None:
            user.unread_notifications_count = user.notifications.filter(read_at__isnull=True).count()
        return user.unread_notifications_count

    return {"unread_notifications": count}
