"""The shared floor every app stands on: euros and the money field, emails and their outbox, CSV files in and
out, rate limits and public forms, the audit trail, the admin's base classes and French site, an
establishment's local day, the kept pages, the broker hand-over, the Redis cache and the PostgreSQL backend.

It imports no app of the project (the ``layers`` contract of ``.importlinter`` checks it), so that ``canteen``,
``accounts``, ``billing`` and the family's app all lean on it without pointing at each other or up.
"""
