from .establishments import current_establishment


def establishment(request):
    return {"establishment": current_establishment(request)}


def unread_notifications(request):
    """The unread count on the Notifications tab and in the title: one count on a partial index, lazily,
    only for pages that show it (parents logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = user.notifications.filter(read_at__isnull=True).count()
        return request._unread_notifications

    return {"unread_notifications": count}
