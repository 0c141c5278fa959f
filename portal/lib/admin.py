"""What the floor shows in the admin, to superusers only: the outbox, the failed tasks, the action journal.

The outbox spans every establishment and holds links meant for one parent (password setup and
reset): only superusers, who run the instance, see what waits, what failed and why, and "Renvoyer";
never the emails' contents.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_base import ReadOnlyAdmin
from .emails import enqueue, outbox_counts
from .models import OutboxMessage, TaskFailure


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "name", "to", "status", "attempts", "next_attempt_at", "sent_at", "error")
    list_filter = ("status", "name")
    search_fields = ("name", "recipients")
    date_hierarchy = "created_at"
    fields = ("name", "recipients", "reply_to", "language", "status", "attempts", "last_error")
    fields += ("created_at", "next_attempt_at", "sent_at")
    readonly_fields = fields
    actions = ["resend"]
    list_per_page = 50
    show_full_result_count = False  # the list grows with every email: no COUNT(*) of all of it

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("destinataires"))
    def to(self, obj):
        return ", ".join(obj.recipients)

    @admin.display(description=_("dernière erreur"))
    def error(self, obj):
        return obj.last_error[:120]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "outbox": outbox_counts()})

    @admin.action(description=_("Renvoyer les e-mails sélectionnés"), permissions=["change"])
    def resend(self, request, queryset):
        # Sent emails are not sent again from here: the outbox only finishes what it started.
        with transaction.atomic():
            ids = list(queryset.exclude(status=OutboxMessage.Status.SENT).values_list("pk", flat=True))
            OutboxMessage.objects.filter(pk__in=ids).exclude(status=OutboxMessage.Status.SENT).update(
                status=OutboxMessage.Status.PENDING,
                attempts=0,
                next_attempt_at=timezone.now(),  # the beat task takes it if the hand-over below fails
            )
            for pk in ids:
                transaction.on_commit(partial(enqueue, pk))
        skipped = queryset.filter(status=OutboxMessage.Status.SENT).count()
        if ids:
            messages.success(
                request,
                ngettext(
                    "%(count)d e-mail remis en file d'envoi.", "%(count)d e-mails remis en file d'envoi.", len(ids)
                )
                % {"count": len(ids)},
            )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d email déjà envoyé n'a pas été renvoyé.",
                    "%(count)d emails déjà envoyés n'ont pas été renvoyés.",
                    skipped,
                )
                % {"count": skipped},
            )


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Read-only: what failed, with what, and why. Superusers only (arguments may hold addresses)."""

    list_display = ("failed_at", "task", "error_start")
    list_filter = ("task",)
    date_hierarchy = "failed_at"
    fields = ("failed_at", "task", "task_id", "arguments", "error", "traceback")
    readonly_fields = fields
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Staff clear what they have dealt with.
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("erreur"))
    def error_start(self, obj):
        return obj.error[:120]


# The "Journal des actions": every entry of the admin's log in one list. Staff read each object's own
# "Historique", which shows only objects of their establishments; this list is not scoped by establishment,
# so no staff group may see it, whatever permission it is given.
@admin.register(LogEntry)
class ActionJournalAdmin(ReadOnlyAdmin):
    list_display = ["action_time", "user", "content_type", "changed_object", "action_flag", "message"]
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"
    ordering = ["-action_time", "-pk"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("Journal des actions")})

    @admin.display(description=_("objet"))
    def changed_object(self, entry: LogEntry):
        url = entry.get_admin_url()
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr

    @admin.display(description=_("détail"))
    def message(self, entry: LogEntry) -> str:
        return entry.get_change_message()
