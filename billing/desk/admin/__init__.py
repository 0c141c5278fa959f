"""The cash desk in the Django admin: only the "Caisse" group records; "Administration" reads.

Recording needs ``billing.add_deskpayment``; reading needs ``billing.view_deskpayment``.
Nothing recorded here is ever edited: a mistake is cancelled or corrected by new entries.
"""

from . import corrections, debits, desk, slips  # noqa: F401  (each registers its admin)
