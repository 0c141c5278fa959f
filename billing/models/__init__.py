from .cashier import Correction, DebitMode, DepositSlip, DeskPayment, DirectDebit, DirectDebitMandate, OfflinePayment
from .ledger import AppendOnlyError, EntryKind, LedgerEntry, Wallet
from .payments import Payment, PaymentAllocation, PaymentMethod, PaymentStatus, StripeEvent
from .till import Till

__all__ = [
    "AppendOnlyError",
    "Correction",
    "DebitMode",
    "DepositSlip",
    "DeskPayment",
    "DirectDebit",
    "DirectDebitMandate",
    "EntryKind",
    "LedgerEntry",
    "OfflinePayment",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentStatus",
    "StripeEvent",
    "Till",
    "Wallet",
]
