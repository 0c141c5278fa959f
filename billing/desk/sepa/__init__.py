"""SEPA direct debits as a French creditor runs them: mandates' bank details kept encrypted, the collection
calendar, the pain.008 file for the bank, and the returns the bank sends back."""
