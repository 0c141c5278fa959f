from .ledger import AppendOnlyError, EntryKind, LedgerEntry, Wallet
from .payments import Payment, PaymentAllocation, PaymentMethod, PaymentStatus, StripeEvent

__all__ = [
    "AppendOnlyError",
    "EntryKind",
    "LedgerEntry",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentStatus",
    "StripeEvent",
    "Wallet",
]
