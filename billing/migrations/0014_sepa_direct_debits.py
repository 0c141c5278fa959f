"""SEPA direct debits (issue 23): mandates with their holder, an encrypted IBAN and a state; debits with their
collection date, sequence and end-to-end id; the bank files sent and the return files imported.

Existing mandates keep their IBAN, encrypted here with the key of the day (SEPA_ENCRYPTION_KEY or the one derived
from SECRET_KEY), and their holder is the parent's name until staff complete it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import billing.desk.models


def encrypt_ibans(apps, schema_editor):
    from billing.desk.sepa.crypto import encrypt, mask

    Mandate = apps.get_model("billing", "DirectDebitMandate")
    live = set()
    for mandate in Mandate.objects.select_related("user").order_by("-pk"):
        key = (mandate.user_id, mandate.establishment_id)
        active = mandate.active and key not in live  # one live mandate per family and establishment: the newest
        if active:
            live.add(key)
        iban = "".join(mandate.iban.split()).upper()
        mandate.iban_encrypted = encrypt(iban)
        mandate.iban_hint = mask(iban)
        mandate.status = "active" if active else "ended"
        mandate.holder_name = (f"{mandate.user.first_name} {mandate.user.last_name}".strip() or mandate.user.email)[:70]
        mandate.save(update_fields=["iban_encrypted", "iban_hint", "status", "holder_name"])


def decrypt_ibans(apps, schema_editor):
    from billing.desk.sepa.crypto import decrypt

    Mandate = apps.get_model("billing", "DirectDebitMandate")
    for mandate in Mandate.objects.all():
        mandate.iban = decrypt(mandate.iban_encrypted)
        mandate.active = mandate.status == "active"
        mandate.save(update_fields=["iban", "active"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0013_low_balance_alerts"),
        ("canteen", "0012_establishment_sepa_creditor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="directdebitmandate",
            name="iban_encrypted",
            field=models.TextField(default="", editable=False, verbose_name="IBAN chiffré"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="iban_hint",
            field=models.CharField(default="", editable=False, max_length=30, verbose_name="IBAN"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="bic",
            field=models.CharField(blank=True, max_length=11, verbose_name="BIC"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="holder_name",
            field=models.CharField(default="", max_length=70, verbose_name="titulaire du compte"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="holder_address",
            field=models.TextField(default="", max_length=140, verbose_name="adresse du titulaire"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Demandé par le parent, à valider"),
                    ("active", "Actif"),
                    ("ended", "Terminé"),
                ],
                db_index=True,
                default="active",
                max_length=10,
                verbose_name="état",
            ),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="last_collected_on",
            field=models.DateField(blank=True, null=True, verbose_name="dernier prélèvement le"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="consent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="consentement en ligne le"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="consent_ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="adresse IP du consentement"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="validated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="validé le"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="validated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="validé par",
            ),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="terminé le"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="ended_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="motif de fin"),
        ),
        migrations.RunPython(encrypt_ibans, decrypt_ibans),
        migrations.RemoveField(model_name="directdebitmandate", name="iban"),
        migrations.RemoveField(model_name="directdebitmandate", name="active"),
        migrations.AlterField(
            model_name="directdebitmandate",
            name="reference",
            field=models.CharField(
                max_length=35,
                unique=True,
                validators=[billing.desk.models.SEPA_REFERENCE],
                verbose_name="référence unique du mandat (RUM)",
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebitmandate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "ended"), _negated=True),
                fields=("user", "establishment"),
                name="one_live_mandate_per_parent_and_establishment",
            ),
        ),
    ]
