"""The admin in French: "OpenSelf — Administration" instead of "Django", and page titles with the right
article instead of Django's generic French ("Ajout de encaissement", "Sélectionnez l'objet …",
"Ajouter un objet Élève crédité supplémentaire").

``OpenSelfAdminSite`` is the project's ``admin.site`` (``portal.lib.apps.AdminConfig.default_site``): every
ModelAdmin registered with it, the apps' and Django's own, is given the titles below when it is registered,
whatever the order of the apps, without the apps having to know about them.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class LabelledAutocomplete(AutocompleteJsonView):
    """Search-as-you-type answers labelled by the model admin's ``autocomplete_label`` when it has one
    (a pupil's class and card at the cash desk), else by the object's name as Django does."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


# Django's own words for the related-field icons, which its French renders "l'objet élève": our French
# catalogue gives them better words ("Afficher la sélection (élève)"). Named here so that makemessages
# keeps them in the catalogue instead of marking them obsolete.
DJANGO_WORDS_REPHRASED = (
    gettext_noop("Add another %(model)s"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("View selected %(model)s"),
    # "Aucun(e) disponible" under "Mes actions", "Aucun(e)" as a blank choice.
    gettext_noop("None available"),
    gettext_noop("None"),
)

# Models whose French plural is feminine: their delete action agrees ("Supprimer les fermetures
# sélectionnées"), where Django's French says "sélectionnés" for every model.
FEMININE_PLURALS = {
    "accounts.accountrequest",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accesslog",
    "billing.correction",
    "billing.ledgerentry",
    "billing.till",
    "canteen.closedperiod",
    "lib.taskfailure",
}

# The title of each "add" page, with its article (French nouns have a gender Django cannot guess).
ADD_TITLES = {
    "accounts.accountrequest": _("Nouvelle demande de création de compte"),
    "accounts.user": _("Nouvel utilisateur"),
    "auth.group": _("Nouveau groupe"),
    "billing.correction": _("Nouvelle correction"),
    "billing.deskpayment": _("Nouvel encaissement au guichet"),
    "billing.directdebitmandate": _("Nouveau mandat de prélèvement"),
    "billing.till": _("Nouvelle borne"),
    "canteen.establishment": _("Nouvel établissement"),
    "canteen.pupil": _("Nouvel élève"),
    "canteen.tariff": _("Nouveau tarif"),
}
# The "add another row" link of each inline.
ADD_ANOTHER = {
    "billing.paymentallocation": _("Ajouter un autre élève"),
    "canteen.guardianship": _("Ajouter un autre enfant"),
    "canteen.tariff": _("Ajouter un autre tarif"),
}


class FrenchInlineFormSet(helpers.InlineAdminFormSet):
    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        label = self.opts.opts.label_lower
        name = self.opts.verbose_name
        data["options"]["addText"] = str(ADD_ANOTHER.get(label) or _("Ajouter : %(name)s") % {"name": name})
        return json.dumps(data)


class FrenchTitles:
    """Titles of the add, change and list pages made from the model's French names."""

    def add_view(self, request, form_url="", extra_context=None):
        title = ADD_TITLES.get(self.opts.label_lower) or _("Ajouter : %(name)s") % {"name": self.opts.verbose_name}
        return super().add_view(request, form_url, {"title": title, **(extra_context or {})})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions and self.opts.label_lower in FEMININE_PLURALS:
            function, name, _description = actions["delete_selected"]
            actions["delete_selected"] = (function, name, _("Supprimer les %(verbose_name_plural)s sélectionnées"))
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        title = capfirst(self.opts.verbose_name)
        return super().change_view(request, object_id, form_url, {"title": title, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    # Django's success message reads "L'objet encaissement au guichet « … » a été ajouté avec succès.".
    def response_add(self, request, obj, post_url_continue=None):
        request.admin_saved = obj
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        request.admin_saved = obj
        return super().response_change(request, obj)

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        saved = getattr(request, "admin_saved", None)
        if saved is not None and level == messages.SUCCESS:
            request.admin_saved = None
            message = _("Enregistré : %(name)s « %(object)s ».") % {"name": self.opts.verbose_name, "object": saved}
        return super().message_user(request, message, level, extra_tags, fail_silently)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline_formset.__class__ = FrenchInlineFormSet
        return inline_formsets


class OpenSelfAdminSite(admin.AdminSite):
    site_header = _("OpenSelf — Administration")
    site_title = _("OpenSelf — Administration")
    index_title = _("Tableau de bord")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, the ModelAdmin given the French titles (``FrenchTitles`` first in its bases)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, FrenchTitles):
            admin_class = type(
                admin_class.__name__, (FrenchTitles, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        return LabelledAutocomplete.as_view(admin_site=self)(request)
