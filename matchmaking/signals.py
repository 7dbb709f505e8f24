"""What matchmaking tells the apps above it, without importing them: they
connect receivers in their AppConfig.ready (events requests a meeting when
interest turns mutual)."""

from django.dispatch import Signal

# Sent with `match` once both sides said yes, inside the answer's transaction.
match_turned_mutual = Signal()
