"""The staff groups and the permissions each one gives (declared here, where every app is known).

Staff powers come only from these groups: "Administration" runs account
requests, pupils and tariffs; "Caisse" records money; "Cuisine" reads the kitchen's counts. The groups are kept in
step with this table after every ``migrate``.
"""

from __future__ import annotations

ADMINISTRATION = "Administration"
CASHIER = "Caisse"
KITCHEN = "Cuisine"  # the cook: reads the kitchen's counts, changes nothing

# app_label.codename, per group.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATION: [
        "canteen.view_establishment",
        "canteen.change_establishment",
        "canteen.view_pupil",
        "canteen.add_pupil",
        "canteen.change_pupil",
        "canteen.view_tariff",
        "canteen.add_tariff",
        "canteen.change_tariff",
        "accounts.view_user",
        "accounts.erase_parent",  # a family's account deleted, or its data exported, at its request
        "portal.view_privacynotice",
        "portal.add_privacynotice",
        "portal.change_privacynotice",
        "canteen.view_guardianship",
        "canteen.add_guardianship",
        "canteen.delete_guardianship",
        "accounts.view_accountrequest",
        "accounts.decide_accountrequest",
        "billing.view_wallet",
        "billing.view_ledgerentry",
        "billing.view_payment",
        "billing.view_deskpayment",
        "billing.view_correction",
        "billing.view_depositslip",
        "billing.view_directdebitmandate",
        "billing.view_directdebit",
        "billing.view_bankfile",
        "billing.view_bankreturnfile",
        "billing.view_till",  # creating, changing or revoking one is billing.manage_till, given to no group
        "portal.view_messagethread",
        "portal.change_messagethread",
        "canteen.view_closedperiod",
        "canteen.add_closedperiod",
        "canteen.change_closedperiod",
        "canteen.delete_closedperiod",
        "canteen.view_tariffgrid",
        "canteen.add_tariffgrid",
        "canteen.change_tariffgrid",
        "canteen.view_tariffband",
        "canteen.add_tariffband",
        "canteen.change_tariffband",
        "canteen.delete_tariffband",
        "canteen.view_familyquotient",
        "canteen.change_familyquotient",
        "canteen.view_payinghousehold",
        "canteen.add_payinghousehold",
        "canteen.change_payinghousehold",
        "canteen.delete_payinghousehold",
        "canteen.view_bookingsettings",
        "canteen.add_bookingsettings",
        "canteen.change_bookingsettings",
        "canteen.view_service",
        "canteen.add_service",
        "canteen.change_service",
        "canteen.delete_service",
        "canteen.view_mealbooking",
        "canteen.view_kitchencount",
    ],
    KITCHEN: [
        "canteen.view_kitchencount",
    ],
    CASHIER: [
        "canteen.view_establishment",
        "canteen.view_pupil",
        "canteen.view_tariff",
        "canteen.view_tariffgrid",
        "canteen.view_tariffband",
        "accounts.view_user",
        "billing.view_wallet",
        "billing.view_ledgerentry",
        "billing.add_ledgerentry",
        "billing.view_payment",
        "billing.add_payment",
        "billing.view_deskpayment",
        "billing.add_deskpayment",
        "billing.view_correction",
        "billing.add_correction",
        "billing.view_depositslip",
        "billing.view_directdebitmandate",
        "billing.add_directdebitmandate",
        "billing.change_directdebitmandate",
        "billing.view_directdebit",
        "billing.change_directdebit",
        "billing.view_bankfile",
        "billing.view_bankreturnfile",
        "portal.view_messagethread",
        "portal.change_messagethread",
    ],
}


def sync_staff_groups(**kwargs) -> None:
    """Create the staff groups and give each exactly the permissions of the table."""
    from django.contrib.auth.models import Group, Permission

    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # absent while an app's migrations have not run yet
                wanted.append(perm)
        group.permissions.set(wanted)
