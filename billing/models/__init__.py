from .ledger import AppendOnlyError, EntryKind, LedgerEntry, Wallet
from .payments import Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from .till import Till

__all__ = [
    "AppendOnlyError",
    "EntryKind",
    "LedgerEntry",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentStatus",
    "Till",
    "Wallet",
]
