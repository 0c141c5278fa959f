"""The school's side of account requests: list, suggestions, "Valider" and "Refuser".

A request with a sure match is validated in two clicks: "Valider" on its row, then the
confirmation button naming the suggested pupil.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped
from canteen.models import Guardianship, Pupil
from portal.lib.admin_base import ReadOnlyAdmin
from portal.lib.audit import record
from portal.lib.localtime import local

from .decisions import AlreadyDecided, approve, refuse
from .forms import RefusalForm
from .matching import card_confirms, suggested_pupils, sure_match, why_not_sure
from .models import AccountRequest
from .tasks import OVERDUE_AFTER, send_activation_email


class AgeFilter(admin.SimpleListFilter):
    title = _("ancienneté")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("recent", _("Moins de 48 h")), ("overdue", _("Plus de 48 h"))]

    def queryset(self, request, queryset):
        limit = timezone.now() - OVERDUE_AFTER
        if self.value() == "recent":
            return queryset.filter(created_at__gte=limit)
        if self.value() == "overdue":
            return queryset.filter(created_at__lt=limit)
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """The list opens on the requests still waiting for a decision; "Toutes" shows every request."""

    title = _("statut")
    parameter_name = "statut"
    ALL = "toutes"

    def lookups(self, request, model_admin):
        return [*AccountRequest.Status.choices, (self.ALL, _("Toutes"))]

    def value(self):
        return super().value() or AccountRequest.Status.PENDING

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:  # no Django "Tout" entry: "Toutes" is one of the lookups
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class PupilChoiceForm(forms.Form):
    pupil = forms.ModelChoiceField(
        label=_("Autre élève"),
        queryset=Pupil.objects.none(),
        error_messages={
            "required": _("Choisissez l'élève à rattacher."),
            "invalid_choice": _("Cet élève n'appartient pas à l'établissement de la demande."),
        },
    )

    identity_checked = forms.BooleanField(
        label=_("J'ai vérifié l'identité du demandeur (appel, pièce d'identité ou dossier de l'élève)"),
        required=False,
    )

    def __init__(self, *args, account_request: AccountRequest, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_request = account_request
        field = self.fields["pupil"]
        field.widget = AutocompleteSelect(AccountRequest._meta.get_field("pupil"), admin_site)
        field.queryset = Pupil.objects.filter(establishment_id=account_request.establishment_id)  # sets the choices

    def clean(self):
        data = super().clean()
        pupil = data.get("pupil")
        # Names are public; without the card only staff who checked the requester may attach the child.
        if pupil is not None and not card_confirms(self.account_request, pupil) and not data.get("identity_checked"):
            if self.account_request.card_digits:
                message = _(
                    "Les chiffres de carte donnés ne sont pas ceux de cet élève : vérifiez l'identité du demandeur."
                )
            else:
                message = _("Aucun numéro de carte : vérifiez l'identité du demandeur.")
            raise forms.ValidationError(message, code="identity_unchecked")
        return data


def with_guardians(pupils: list[Pupil]) -> list[Pupil]:
    """Each pupil with ``current_guardians``, the emails of the logins already linked to it (one query)."""
    emails: dict[int, list[str]] = {}
    rows = Guardianship.objects.filter(pupil__in=pupils).order_by("user__email").values_list("pupil_id", "user__email")
    for pupil_id, email in rows:
        emails.setdefault(pupil_id, []).append(email)
    for pupil in pupils:
        pupil.current_guardians = emails.get(pupil.pk, [])
    return pupils


class AccountRequestAdmin(EstablishmentScoped, ReadOnlyAdmin):
    list_display = ["child", "decision", "age", "email", "card", "establishment", "status"]
    list_filter = [StatusFilter, ("establishment", EstablishmentListFilter), AgeFilter]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["establishment", "decided_by"]
    list_per_page = 50
    fields = [
        "establishment",
        "card_digits",
        "last_name",
        "first_name",
        "email",
        "created_at",
        "status",
        "suggestions",
        "pupil",
        "user",
        "decided_by",
        "decided_at",
        "refusal_reason",
    ]
    readonly_fields = fields
    actions = ["validate_selected", "refuse_selected"]

    class Media:
        css = {"all": ["css/admin-extra.css"]}

    change_form_template = "admin/accounts/accountrequest/change_form.html"

    # Requests come only from the public form and are kept as a record (ReadOnlyAdmin): staff decide on them.
    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("accounts.decide_accountrequest")

    # The list: pending requests first, the oldest of them on top; then decided ones, newest first.
    def get_ordering(self, request):
        pending = Q(status=AccountRequest.Status.PENDING)
        pending_first = Case(When(pending, then=Value(0)), default=Value(1), output_field=IntegerField())
        oldest_pending_first = Case(When(pending, then=F("created_at")))
        return [pending_first.asc(), oldest_pending_first.asc(), "-created_at"]

    @admin.display(description=_("enfant"), ordering="last_name")
    def child(self, obj: AccountRequest) -> str:
        return f"{obj.last_name} {obj.first_name}"

    @admin.display(description=_("carte"), ordering="card_digits")
    def card(self, obj: AccountRequest) -> str:
        return obj.card_digits

    @admin.display(description=_("ancienneté"), ordering="created_at")
    def age(self, obj: AccountRequest):
        since = timesince(obj.created_at, depth=1)
        if obj.is_pending and timezone.now() - obj.created_at > OVERDUE_AFTER:
            return format_html('<strong class="overdue">⚠ {} — {}</strong>', since, _("plus de 48 h"))
        return since

    @admin.display(description=_("décision"))
    def decision(self, obj: AccountRequest):
        if not obj.is_pending:
            when = local(obj.decided_at, obj.establishment).strftime("%d/%m/%Y %H:%M") if obj.decided_at else ""
            return f"{obj.decided_by or ''} {when}".strip() or "—"
        return format_html(
            '<a class="button" href="{}">{}</a> <a href="{}">{}</a>',
            reverse("admin:accounts_accountrequest_validate", args=[obj.pk]),
            _("Valider"),
            reverse("admin:accounts_accountrequest_refuse", args=[obj.pk]),
            _("Refuser"),
        )

    @admin.display(description=_("élèves suggérés"))
    def suggestions(self, obj: AccountRequest):
        if not obj.is_pending:
            return "—"
        found = suggested_pupils(obj)
        if not found:
            return _("Aucun élève de l'établissement ne correspond.")
        return format_html_join(
            ", ", "{} {} ({} {})", ((p.first_name, p.last_name, _("carte"), p.card_number) for p in found)
        )

    # Decision pages.
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/valider/", view(self.validate_view), name="accounts_accountrequest_validate"),
            path("<int:pk>/refuser/", view(self.refuse_view), name="accounts_accountrequest_refuse"),
            path("<int:pk>/renvoyer/", view(require_POST(self.resend_view)), name="accounts_accountrequest_resend"),
        ] + super().get_urls()

    def _pending_or_redirect(self, request, pk):
        if not self.has_decide_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request).select_related("establishment"), pk=pk)
        if not obj.is_pending:
            messages.warning(request, _("Cette demande a déjà été traitée."))
            return obj, HttpResponseRedirect(reverse("admin:accounts_accountrequest_change", args=[pk]))
        return obj, None

    def validate_view(self, request, pk):
        obj, done = self._pending_or_redirect(request, pk)
        if done:
            return done
        found = with_guardians(suggested_pupils(obj))
        form = PupilChoiceForm(request.POST or None, account_request=obj, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            return self._approve(request, obj, form.cleaned_data["pupil"])
        create_url = (
            reverse("admin:canteen_pupil_add")
            + "?"
            + urlencode(
                {"establishment": obj.establishment_id, "last_name": obj.last_name, "first_name": obj.first_name}
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Valider la demande de %(name)s") % {"name": f"{obj.first_name} {obj.last_name}"},
            "account_request": obj,
            "suggestions": found,
            "sure": sure_match(obj, found),
            "not_sure_because": why_not_sure(obj, found),
            "form": form,
            "media": self.media + form.media,
            "create_url": create_url,
        }
        return TemplateResponse(request, "admin/accounts/accountrequest/validate.html", context)

    def _approve(self, request, obj: AccountRequest, pupil: Pupil):
        try:
            approve(obj, pupil, by=request.user)
        except AlreadyDecided:
            messages.warning(request, _("Cette demande a déjà été traitée."))
        else:
            messages.success(
                request,
                _("Demande validée : %(email)s a maintenant accès au compte de %(pupil)s.")
                % {"pupil": pupil, "email": obj.email},
            )
        return HttpResponseRedirect(reverse("admin:accounts_accountrequest_changelist"))

    def refuse_view(self, request, pk):
        obj, done = self._pending_or_redirect(request, pk)
        if done:
            return done
        form = RefusalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refuse(obj, form.cleaned_data["reason"], by=request.user)
            except AlreadyDecided:
                messages.warning(request, _("Cette demande a déjà été traitée."))
            else:
                messages.success(
                    request, _("Demande refusée : le motif a été envoyé à %(email)s.") % {"email": obj.email}
                )
            return HttpResponseRedirect(reverse("admin:accounts_accountrequest_changelist"))
        return self._refusal_page(request, form, [obj])

    def _refusal_page(self, request, form, requests, action: str = ""):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Refuser des demandes de création de compte"),
            "form": form,
            "requests": requests,
            "action": action,
        }
        return TemplateResponse(request, "admin/accounts/accountrequest/refuse.html", context)

    def resend_view(self, request, pk):
        if not self.has_decide_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request).select_related("user", "establishment"), pk=pk)
        if obj.user is None or obj.user.has_usable_password():
            messages.warning(request, _("Ce parent a déjà choisi son mot de passe : rien à renvoyer."))
        else:
            with transaction.atomic():
                send_activation_email(obj.user_id, obj.establishment.code)  # to the outbox, not the broker
                record(
                    request.user,
                    obj,
                    _("Lien « Créer mon mot de passe » renvoyé à %(email)s.") % {"email": obj.user.email},
                )
            messages.success(
                request, _("Le lien « Créer mon mot de passe » a été renvoyé à %(email)s.") % {"email": obj.user.email}
            )
        return HttpResponseRedirect(reverse("admin:accounts_accountrequest_change", args=[pk]))

    # Bulk actions.
    @admin.action(
        description=_("Valider les demandes sélectionnées (carte et nom concordants)"), permissions=["decide"]
    )
    def validate_selected(self, request, queryset):
        validated, skipped = 0, []
        for obj in queryset.filter(status=AccountRequest.Status.PENDING).select_related("establishment"):
            found = suggested_pupils(obj)
            pupil = sure_match(obj, found)
            if pupil is None:
                skipped.append((obj, why_not_sure(obj, found)))
                continue
            try:
                approve(obj, pupil, by=request.user)
            except AlreadyDecided:
                skipped.append((obj, _("déjà traitée par quelqu'un d'autre")))
            else:
                validated += 1
        if validated:
            messages.success(
                request, ngettext("%(n)d demande validée.", "%(n)d demandes validées.", validated) % {"n": validated}
            )
        elif not skipped:
            messages.warning(request, _("Aucune demande en attente dans la sélection : rien à valider."))
        if skipped:
            messages.warning(
                request,
                format_html(
                    "{}<ul>{}</ul>",
                    ngettext(
                        "%(n)d demande laissée en attente, à traiter sur sa page :",
                        "%(n)d demandes laissées en attente, à traiter sur leur page :",
                        len(skipped),
                    )
                    % {"n": len(skipped)},
                    format_html_join(
                        "",
                        '<li><a href="{}">{} {} ({})</a> : {}</li>',
                        (
                            (
                                reverse("admin:accounts_accountrequest_validate", args=[obj.pk]),
                                obj.first_name,
                                obj.last_name,
                                obj.email,
                                reason,
                            )
                            for obj, reason in skipped
                        ),
                    ),
                ),
            )

    @admin.action(description=_("Refuser les demandes sélectionnées"), permissions=["decide"])
    def refuse_selected(self, request, queryset):
        pending = list(queryset.filter(status=AccountRequest.Status.PENDING).select_related("establishment"))
        form = RefusalForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            refused = 0
            for obj in pending:
                try:
                    refuse(obj, form.cleaned_data["reason"], by=request.user)
                    refused += 1
                except AlreadyDecided:
                    pass
            messages.success(
                request, ngettext("%(n)d demande refusée.", "%(n)d demandes refusées.", refused) % {"n": refused}
            )
            return None
        return self._refusal_page(request, form, pending, action="refuse_selected")
