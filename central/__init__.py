"""Vitrina central: the reference HQ service terminals sync with.

An HTTP API (``central.api``) over its own SQLite database (``central.storage``, the one
layer that runs SQL), serving the feeds and ingesting the events of ``docs/protocol.md``,
plus the command line (``python -m central``) that seeds a demo chain, registers
terminals, imports ERP files and places web orders. It shares the domain rules with the
terminals through ``retail`` (money, pricing, ids, the outbox's canonical form) so a
basket costs the same in every channel.
"""
