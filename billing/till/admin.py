from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from canteen.admin_scope import EstablishmentListFilter, EstablishmentScoped, staff_establishments
from portal.lib.audit import record

from .models import Till

MANAGE_TILL = "billing.manage_till"


@admin.register(Till)
class TillAdmin(EstablishmentScoped, admin.ModelAdmin):
    """A new till's token is shown once, in the confirmation message; only its hash is stored.

    A token books meals on any card of its school, so creating, changing or revoking a till needs
    ``billing.manage_till``, which no staff group has: staff with ``view_till`` only see the list.
    """

    list_display = ["name", "establishment", "created_at", "revoked_at", "passages"]
    list_filter = [("establishment", EstablishmentListFilter)]
    readonly_fields = ["created_at", "revoked_at"]
    actions = ["revoke"]

    def has_manage_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(MANAGE_TILL)

    def has_add_permission(self, request) -> bool:
        return self.has_manage_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_manage_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its passages keep its id in their references: revoke it instead

    @admin.display(description=_("passages"))
    def passages(self, obj: Till):
        url = reverse("admin:billing_ledgerentry_changelist") + "?" + urlencode({TillFilter.parameter_name: obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Voir les passages"))

    def save_model(self, request, obj, form, change):
        token = None if change else obj.new_token()
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                _("Jeton de la borne « %(name)s », à copier maintenant (il ne sera plus affiché) : %(token)s")
                % {"name": obj.name, "token": token},
            )

    def construct_change_message(self, request, form, formsets, add=False):
        if add:  # who saw the token matters: it books meals on any card of the school
            return str(_("Borne créée ; son jeton a été affiché une seule fois, à l'auteur de cet ajout."))
        return super().construct_change_message(request, form, formsets, add)

    @admin.action(description=_("Révoquer les bornes sélectionnées"), permissions=["manage"])
    def revoke(self, request, queryset):
        for till in queryset.filter(revoked_at=None):
            with transaction.atomic():
                till.revoke()
                record(request.user, till, _("Borne révoquée : son jeton n'enregistre plus aucun passage."))


class TillFilter(admin.SimpleListFilter):
    """The ledger's entries booked by one till: the list of its passages."""

    title = _("borne")
    parameter_name = "borne"

    def lookups(self, request, model_admin):
        return [(str(till.pk), str(till)) for till in self._tills(request)]

    @staticmethod
    def _tills(request):
        return Till.objects.select_related("establishment").filter(establishment__in=staff_establishments(request))

    def queryset(self, request, queryset):
        till = self._tills(request).filter(pk=self.value()).first() if (self.value() or "").isdigit() else None
        if self.value() and till is None:
            return queryset.none()
        return queryset.filter(reference__startswith=till.reference_prefix) if till else queryset
