"""Staff answer families from the admin: each thread shows the conversation and one answer box.

Staff see the threads of the establishments they work at (``EstablishmentScoped``); superusers see all.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import linebreaks_filter, truncatechars
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped
from portal.lib.localtime import local

from . import messaging
from .forms import clean_body
from .models import MessageThread, PrivacyNotice


class AnswerForm(forms.ModelForm):
    answer = forms.CharField(
        label=_("Votre réponse"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Envoyée par e-mail à la famille ; visible dans son espace sous Messages."),
    )

    class Meta:
        model = MessageThread
        fields: list[str] = []

    def clean_answer(self) -> str:
        answer = self.cleaned_data["answer"]
        return clean_body(answer) if answer.strip() else ""


@admin.register(MessageThread)
class MessageThreadAdmin(EstablishmentScoped, admin.ModelAdmin):
    form = AnswerForm
    list_display = ["subject", "sender", "pupil_name", "establishment", "awaiting_answer", "last_message_at"]
    list_filter = ["awaiting_answer", "subject", ("establishment", EstablishmentListFilter)]
    search_fields = ["sender_name", "sender_email", "pupil_name"]
    list_select_related = ["establishment"]
    readonly_fields = ["establishment", "subject", "sender", "pupil_name", "created", "conversation"]
    fieldsets = [
        (None, {"fields": ["establishment", "subject", "sender", "pupil_name", "created"]}),
        (_("Conversation"), {"fields": ["conversation", "answer"]}),
    ]
    ordering = ["-awaiting_answer", "-last_message_at"]
    view_on_site = False  # the thread's page is the family's: staff answer here

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("establishment", "parent")

    def has_add_permission(self, request):
        return False  # threads start from the family's side

    def has_delete_permission(self, request, obj=None):
        return False  # a conversation is kept, like any record of what the school was told

    @admin.display(description=_("expéditeur"))
    def sender(self, thread: MessageThread) -> str:
        account = _("parent avec un compte") if thread.parent_id else _("formulaire public, sans compte")
        return format_html("{} &lt;{}&gt; ({})", thread.sender_name, thread.sender_email, account)

    @admin.display(description=_("créé le"))
    def created(self, thread: MessageThread) -> str:
        """On the school's clock, as each message of the conversation below."""
        return date_format(local(thread.created_at, thread.establishment), "DATETIME_FORMAT")

    @admin.display(description=_("messages"))
    def conversation(self, thread: MessageThread) -> str:
        if thread.pk is None:
            return ""
        return format_html_join(
            "",
            '<div class="thread-message"><p><strong>{}</strong> — {}</p>{}</div><hr>',
            (
                (
                    _("Établissement") if m.from_staff else (thread.sender_name or thread.sender_email),
                    date_format(local(m.created_at, thread.establishment), "DATETIME_FORMAT"),
                    linebreaks_filter(m.body, autoescape=True),  # escapes the text, then marks its <p> safe
                )
                for m in thread.messages.all()
            ),
        )

    def save_model(self, request, obj, form, change):
        answer = form.cleaned_data.get("answer")
        if answer:
            messaging.answer(obj, request.user, answer)
            self.message_user(request, _("Votre réponse est envoyée à la famille."), messages.SUCCESS)

    def construct_change_message(self, request, form, formsets, add=False):
        answer = form.cleaned_data.get("answer")
        return _("Réponse envoyée à la famille : « %(text)s »") % {"text": truncatechars(answer, 200)} if answer else ""

    def log_change(self, request, obj, message):
        if message:  # saved without an answer: nothing was sent or changed, nothing to record
            return super().log_change(request, obj, message)
        return None


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(EstablishmentScoped, admin.ModelAdmin):
    """What the notice "Données personnelles" and the "Mentions légales" say of an establishment: its staff fill
    it in before going live (README); an empty field shows the establishment's own details or "à compléter"."""

    list_display = ["establishment", "controller", "dpo_email", "updated_at"]
    fieldsets = [
        (None, {"fields": ["establishment"]}),
        (_("Données personnelles"), {"fields": ["controller", "controller_address", "dpo_name", "dpo_email"]}),
        (_("Destinataires"), {"fields": ["email_provider", "transfers"]}),
        (_("Mentions légales"), {"fields": ["publisher", "publication_director", "host"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False
