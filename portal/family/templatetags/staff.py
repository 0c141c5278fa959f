"""What the admin index tells staff at a glance."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unanswered_threads(context) -> int | None:
    """Threads waiting for an answer, for staff who may answer them (None for the others): one count."""
    from portal.family.models import MessageThread

    request = context.get("request")
    if request is None or not request.user.has_perm("portal.change_messagethread"):
        return None
    from canteen.admin_scope import staff_establishments

    threads = MessageThread.objects.awaiting_answer()
    if not request.user.is_superuser:
        threads = threads.filter(establishment__in=staff_establishments(request).values("pk"))
    return threads.count()
