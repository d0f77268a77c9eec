"""The sync agent: keeps a terminal's local store reconciled with central.

It runs as its own process (``python -m sync run`` / ``vitrina-sync run``); the apps talk
to it only through the local store - a request row for "Sync now"
(:func:`sync.state.request_sync`) and the status they read with
:func:`sync.status.read_status`. Feeds come down page by page, each page committed with
its cursor (:mod:`retail.feeds.apply`); the outbox goes up in ``seq`` order, each answer recorded
(:mod:`sync.push`). docs/protocol.md is the contract with central.
"""
