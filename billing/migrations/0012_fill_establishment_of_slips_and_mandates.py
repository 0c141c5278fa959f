"""Existing slips and mandates get their establishment from the pupils their money goes to.

A slip takes the establishment of its cheques' pupils (the first one's, should a slip made before
mixing schools was refused hold several); a mandate takes the establishment of its parent's first
child (by pupil id). Rows with no pupil to tell stay empty: only superusers see them.
"""

from django.db import migrations


def fill(apps, schema_editor):
    DepositSlip = apps.get_model("billing", "DepositSlip")
    DirectDebitMandate = apps.get_model("billing", "DirectDebitMandate")
    PaymentAllocation = apps.get_model("billing", "PaymentAllocation")
    Guardianship = apps.get_model("canteen", "Guardianship")
    for slip in DepositSlip.objects.filter(establishment__isnull=True):
        allocation = (
            PaymentAllocation.objects.filter(payment__offline__deposit_slip=slip).order_by("pupil_id").first()
        )
        if allocation is not None:
            DepositSlip.objects.filter(pk=slip.pk).update(establishment_id=allocation.pupil.establishment_id)
    for mandate in DirectDebitMandate.objects.filter(establishment__isnull=True):
        guardianship = Guardianship.objects.filter(user_id=mandate.user_id).order_by("pupil_id").first()
        if guardianship is not None:
            DirectDebitMandate.objects.filter(pk=mandate.pk).update(
                establishment_id=guardianship.pupil.establishment_id
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_establishment_of_slips_and_mandates")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
