"""The establishment as a SEPA creditor (issue 23): its ICS, the BIC of its account, the pre-notification delay,
the collection day of the month and the version of the bank file."""

import django.core.validators
from django.db import migrations, models

import portal.lib.bank_ids


class Migration(migrations.Migration):
    dependencies = [("canteen", "0011_tariff_grids_and_family_quotients")]

    operations = [
        migrations.AlterField(
            model_name="establishment",
            name="bank_account",
            field=models.CharField(
                blank=True,
                help_text="Le compte crédité des chèques remis et des prélèvements, imprimé sur les bordereaux de remise.",
                max_length=34,
                validators=[portal.lib.bank_ids.validate_iban],
                verbose_name="compte de dépôt (IBAN)",
            ),
        ),
        migrations.AddField(
            model_name="establishment",
            name="bank_bic",
            field=models.CharField(
                blank=True,
                max_length=11,
                validators=[portal.lib.bank_ids.validate_bic],
                verbose_name="BIC du compte de dépôt",
            ),
        ),
        migrations.AddField(
            model_name="establishment",
            name="creditor_identifier",
            field=models.CharField(
                blank=True,
                help_text="Donné par la banque, 13 caractères pour la France, par exemple FR72ZZZ123456.",
                max_length=35,
                validators=[portal.lib.bank_ids.validate_ics],
                verbose_name="identifiant créancier SEPA (ICS)",
            ),
        ),
        migrations.AddField(
            model_name="establishment",
            name="prenotification_days",
            field=models.PositiveSmallIntegerField(
                default=14,
                help_text="Les familles sont prévenues du montant et de la date au moins ce nombre de jours avant.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(60),
                ],
                verbose_name="délai de pré-notification (jours)",
            ),
        ),
        migrations.AddField(
            model_name="establishment",
            name="collection_day",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="Reporté au jour ouvré suivant s'il tombe un week-end ou un jour férié bancaire.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(28),
                ],
                verbose_name="jour du prélèvement dans le mois",
            ),
        ),
        migrations.AddField(
            model_name="establishment",
            name="sepa_version",
            field=models.CharField(
                choices=[
                    ("pain.008.001.08", "pain.008.001.08 (version 2019, acceptée par les banques françaises)"),
                    ("pain.008.001.02", "pain.008.001.02 (version 2009)"),
                ],
                default="pain.008.001.08",
                max_length=20,
                verbose_name="version du fichier de prélèvements",
            ),
        ),
    ]
