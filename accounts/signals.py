"""What accounts tells the apps above it (the parent shell turns it into notifications)."""

from django.dispatch import Signal

# Sent inside the transaction that validated an account request: request=AccountRequest, user=User, pupil=Pupil.
request_approved = Signal()
