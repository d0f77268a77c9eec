"""Printed layouts built from the domain: receipts, slips, tickets, reports, test page.

Each layout module has a pure ``*_layout``-style function (data -> Document) and a loader
that reads the local store; see :mod:`hardware.receipts.common` for what they share.
"""
