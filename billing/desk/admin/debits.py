"""Direct debits at the cash desk: mandates (validated, ended, moved to a new account), the month's debits
(prepared, sent to the bank as a pain.008 file checked first, credited on their date, returned by the bank), and
the bank files sent and return files imported. Every page is scoped to the staff member's establishments."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.models import PaymentStatus
from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped, staff_establishments
from portal.lib.admin_base import ReadOnlyAdmin
from portal.lib.bank_ids import bic_of

from .. import operations
from ..forms import BankFileForm, ChangeIbanForm, MandateForm, ManualReturnForm, MonthForm, ReturnFileForm
from ..models import BankFile, BankReturnFile, DirectDebit, DirectDebitMandate, MandateStatus
from ..sepa import bankfile, mandates, returns


@admin.register(DirectDebitMandate)
class DirectDebitMandateAdmin(EstablishmentScoped, admin.ModelAdmin):
    form = MandateForm
    list_display = ["reference", "user", "establishment", "holder_name", "masked_iban", "status", "signed_on"]
    list_display += ["mode", "monthly_amount", "meals", "lapses_on"]
    list_filter = ["status", "mode", ("establishment", EstablishmentListFilter)]
    search_fields = ["reference", "user__email", "user__last_name", "holder_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "establishment"]
    actions = ["validate", "end"]
    record_fields = ["masked_iban", "status", "last_collected_on", "lapses_on", "consent_at", "consent_ip"]
    record_fields += ["validated_at", "validated_by", "ended_at", "ended_reason", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "establishment", "reference", "iban", "bic", "holder_name", "holder_address"] + [
                "signed_on",
                "mode",
                "monthly_amount",
                "meals",
            ]
        return ["user", "establishment", "reference", "bic", "holder_name", "holder_address", "signed_on"] + [
            "mode",
            "monthly_amount",
            "meals",
            *self.record_fields,
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["user", "establishment", "reference", "bic", "signed_on", *self.record_fields]
        if obj.status == MandateStatus.ENDED:
            return [*fixed, "holder_name", "holder_address", "mode", "monthly_amount", "meals"]
        return fixed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the parents of the staff member's establishments' pupils
            parents = db_field.related_model.objects.filter(
                guardianships__pupil__establishment__in=staff_establishments(request)
            )
            kwargs["queryset"] = parents.distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("IBAN"))
    def masked_iban(self, obj):
        return obj.masked_iban

    @admin.display(description=gettext_lazy("caduc le"))
    def lapses_on(self, obj):
        return obj.lapses_on if obj.status == MandateStatus.ACTIVE else "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        obj.validated_at, obj.validated_by = timezone.now(), request.user
        form.set_bank_details(obj)
        mandates.save_with_reference(obj)

    def get_urls(self):
        view = self.admin_site.admin_view(self.change_iban_view)
        return [
            path("<int:pk>/changer-iban/", view, name="billing_directdebitmandate_change_iban"),
            *super().get_urls(),
        ]

    def change_iban_view(self, request, pk):
        """A new account: a new mandate with a new RUM, the old one ended (``sepa.mandates.change_iban``)."""
        mandate = self.get_object(request, str(pk))
        if mandate is None or mandate.status == MandateStatus.ENDED:
            if mandate is None:
                raise Http404
            raise PermissionDenied
        if not self.has_change_permission(request, mandate):
            raise PermissionDenied
        form = ChangeIbanForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            new = mandates.change_iban(
                mandate,
                iban=form.cleaned_data["iban"],
                bic=form.cleaned_data["bic"] or bic_of(form.cleaned_data["iban"]),
                signed_on=form.cleaned_data["signed_on"],
                user=request.user,
            )
            self.message_user(
                request,
                _("Nouveau mandat %(rum)s pour le nouveau compte ; l'ancien est terminé.") % {"rum": new.reference},
            )
            return redirect(reverse("admin:billing_directdebitmandate_change", args=[new.pk]))
        return _form_page(
            self, request, form, _("Changer le compte du mandat %(rum)s") % {"rum": mandate.reference}, _("Enregistrer")
        )

    @admin.action(description=gettext_lazy("Valider les demandes sélectionnées"), permissions=["change"])
    def validate(self, request, queryset):
        done = sum(mandates.validate_request(m, user=request.user) for m in queryset)
        self.message_user(
            request, ngettext("%(count)d mandat validé.", "%(count)d mandats validés.", done) % {"count": done}
        )

    @admin.action(description=gettext_lazy("Terminer les mandats sélectionnés"), permissions=["change"])
    def end(self, request, queryset):
        done = sum(
            mandates.end_mandate(m, reason=_("Terminé par l'établissement."), user=request.user) for m in queryset
        )
        self.message_user(
            request, ngettext("%(count)d mandat terminé.", "%(count)d mandats terminés.", done) % {"count": done}
        )


def _form_page(model_admin, request, form, title, submit, template="admin/billing/cashier_form.html", **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "form": form,
        "submit": submit,
        **extra,
    }
    return render(request, template, context)


@admin.register(DirectDebit)
class DirectDebitAdmin(EstablishmentScoped, admin.ModelAdmin):
    """The month's debits: prepared, pre-notified by the daily task, sent to the bank in a file, credited on their
    collection date, returned by the bank."""

    establishment_lookup = "mandate__establishment"

    list_display = ["month_label", "mandate", "parent", "amount", "collection_date", "sequence_type", "state"]
    list_display += ["return_code"]
    list_filter = ["month", "collection_date", "payment__status", "sequence_type"]
    search_fields = ["mandate__reference", "mandate__user__email", "end_to_end_id"]
    list_select_related = ["mandate__user", "payment"]
    actions = ["confirm", "record_return"]
    fields = [
        "mandate",
        "month",
        "amount",
        "state",
        "collection_date",
        "sequence_type",
        "end_to_end_id",
        "prepared_at",
        "prenotified_at",
        "bank_file",
        "confirmed_at",
        "confirmed_by",
        "rejected_at",
        "rejected_by",
        "return_code",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("preparer/", view(self.prepare_view), name="billing_directdebit_prepare"),
            path("fichier-banque/", view(self.bank_file_view), name="billing_directdebit_bank_file"),
            path("rejets/", view(self.returns_view), name="billing_directdebit_returns"),
            *super().get_urls(),
        ]

    def prepare_view(self, request):
        """The same as ``manage.py prepare_direct_debits``, from the admin."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = MonthForm(request.POST or None, initial={"month": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            month, establishments = form.cleaned_data["month"], staff_establishments(request)
            debits = operations.prepare_direct_debits(month, establishments=establishments, user=request.user)
            if not debits:  # say why: no active mandate, the month already prepared, nothing to debit
                summary = operations.prepared_summary(month, 0, establishments=establishments)
                self.message_user(request, summary, messages.WARNING)
                return redirect(reverse("admin:billing_directdebit_changelist"))
            self.message_user(
                request,
                ngettext(
                    "%(count)d prélèvement préparé : les familles seront prévenues au délai de pré-notification.",
                    "%(count)d prélèvements préparés : les familles seront prévenues au délai de pré-notification.",
                    len(debits),
                )
                % {"count": len(debits)},
            )
            return redirect(reverse("admin:billing_directdebit_changelist") + "?payment__status__exact=pending")
        return _form_page(self, request, form, _("Préparer les prélèvements du mois"), _("Préparer"))

    def bank_file_view(self, request):
        """Choose an establishment and a collection date, read the check (count, control sum, RUMs, ICS, dates),
        then download the pain.008 file: its debits are then "sent to the bank"."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        establishments = staff_establishments(request)
        data = request.POST if request.method == "POST" else (request.GET or None)
        form = BankFileForm(data, establishments=establishments, initial=self._next_collection(establishments))
        check = None
        if data is not None and form.is_valid():
            establishment, date = form.cleaned_data["establishment"], form.cleaned_data["collection_date"]
            today = timezone.localdate()
            if request.method == "POST" and "download" in request.POST:
                try:
                    bank_file, xml = bankfile.send_to_bank(establishment, date, user=request.user, today=today)
                except ValueError as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    return _xml_download(bank_file, xml)
            check = bankfile.check_batch(establishment, date, today)
        waiting = (
            DirectDebit.objects.filter(
                mandate__establishment__in=establishments,
                prenotified_at__isnull=False,
                bank_file__isnull=True,
                payment__status=PaymentStatus.PENDING,
            )
            .values("mandate__establishment__name", "mandate__establishment", "collection_date")
            .annotate(count=Count("pk"), total=Sum("payment__amount"))
            .order_by("collection_date", "mandate__establishment__name")
        )
        return _form_page(
            self,
            request,
            form,
            _("Fichier de prélèvements pour la banque"),
            _("Vérifier"),
            template="admin/billing/bank_file.html",
            check=check,
            waiting=waiting,
        )

    def _next_collection(self, establishments) -> dict:
        first = (
            DirectDebit.objects.filter(
                mandate__establishment__in=establishments,
                prenotified_at__isnull=False,
                bank_file__isnull=True,
                payment__status=PaymentStatus.PENDING,
            )
            .order_by("collection_date")
            .values_list("mandate__establishment", "collection_date")
            .first()
        )
        return {"establishment": first[0], "collection_date": first[1]} if first else {}

    def returns_view(self, request):
        """Import the bank's camt.054 (or pain.002): each returned debit matched by its end-to-end id."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ReturnFileForm(request.POST or None, request.FILES or None, establishments=staff_establishments(request))
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = returns.import_file(
                    upload.read(),
                    name=upload.name,
                    establishment=form.cleaned_data["establishment"],
                    user=request.user,
                    apply_return=operations.return_direct_debit,
                )
            except returns.UnreadableFile as error:
                form.add_error("file", str(error))
            else:
                self._report_import(request, result)
                return redirect(reverse("admin:billing_directdebit_changelist") + "?payment__status__exact=failed")
        return _form_page(self, request, form, _("Importer les rejets de la banque"), _("Importer"))

    def _report_import(self, request, result: returns.ImportResult) -> None:
        if result.duplicate_file:
            self.message_user(request, _("Ce fichier a déjà été importé : rien n'a été modifié."), messages.WARNING)
            return
        self.message_user(
            request,
            _(
                "Rejets appliqués : %(applied)d ; déjà enregistrés : %(already)d ; sans prélèvement correspondant : %(unmatched)d."
            )
            % {"applied": result.applied, "already": result.already, "unmatched": result.unmatched},
        )

    @admin.display(description=gettext_lazy("mois"), ordering="month")
    def month_label(self, obj):
        return f"{obj.month:%m/%Y}"

    @admin.display(description=gettext_lazy("parent"))
    def parent(self, obj):
        return obj.mandate.user

    @admin.display(description=gettext_lazy("état"))
    def state(self, obj):
        return debit_state(obj)

    @admin.action(description=gettext_lazy("Confirmer les prélèvements sélectionnés"), permissions=["change"])
    def confirm(self, request, queryset):
        confirmed = sum(operations.confirm_direct_debit(debit, user=request.user) for debit in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d prélèvement confirmé et crédité.", "%(count)d prélèvements confirmés et crédités.", confirmed
            )
            % {"count": confirmed},
        )

    @admin.action(description=gettext_lazy("Enregistrer un impayé (avec son motif)"), permissions=["change"])
    def record_return(self, request, queryset):
        form = ManualReturnForm(request.POST if "code" in request.POST else None)
        if not form.is_valid():
            return _form_page(
                self,
                request,
                form,
                _("Enregistrer un impayé"),
                _("Enregistrer"),
                template="admin/billing/debit_return.html",
                debits=queryset,
            )
        try:
            with transaction.atomic():  # all the selected debits or none
                for debit in queryset.select_related("mandate__user", "payment"):
                    operations.reject_direct_debit(debit, user=request.user, code=form.cleaned_data["code"])
        except operations.CashierError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        done = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d impayé enregistré, le parent est prévenu.",
                "%(count)d impayés enregistrés, les parents sont prévenus.",
                done,
            )
            % {"count": done},
        )
        return None


def debit_state(debit: DirectDebit) -> str:
    """Where a debit stands, in the cashier's words."""
    if debit.rejected_at:
        return _("Impayé (%(code)s %(reason)s)") % {
            "code": debit.return_code,
            "reason": returns.reason_label(debit.return_code),
        }
    if debit.payment.status == PaymentStatus.PAID:
        return _("Crédité")
    if debit.payment.status == PaymentStatus.CANCELED:
        return _("Annulé")
    if debit.bank_file_id:
        return _("Envoyé à la banque")
    if debit.prenotified_at:
        return _("Pré-notifié")
    return _("Préparé")


def _xml_download(bank_file: BankFile, xml: bytes) -> HttpResponse:
    response = HttpResponse(xml, content_type="application/xml")
    name = f"prelevements-{bank_file.establishment.code}-{bank_file.collection_date:%Y-%m-%d}-{bank_file.pk}.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(BankFile)
class BankFileAdmin(EstablishmentScoped, ReadOnlyAdmin):
    list_display = ["message_id", "establishment", "collection_date", "version", "transactions", "control_sum"]
    list_display += ["created_at", "created_by"]
    list_filter = [("establishment", EstablishmentListFilter), "collection_date"]
    list_select_related = ["establishment", "created_by"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [path("<int:pk>/telecharger/", view, name="billing_bankfile_download"), *super().get_urls()]

    def download_view(self, request, pk):
        """The same file again, for a download that went wrong: same message id, so the bank takes it once."""
        bank_file = self.get_object(request, str(pk))
        if bank_file is None:
            raise Http404
        if not request.user.has_perm("billing.change_directdebit"):
            raise PermissionDenied
        return _xml_download(bank_file, bankfile.rebuild(bank_file))


@admin.register(BankReturnFile)
class BankReturnFileAdmin(EstablishmentScoped, ReadOnlyAdmin):
    list_display = ["name", "establishment", "returns", "unmatched", "imported_at", "imported_by"]
    list_filter = [("establishment", EstablishmentListFilter)]
    list_select_related = ["establishment", "imported_by"]
