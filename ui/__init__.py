"""Kivy plumbing shared by the kiosk and the POS: worker threads, the base App, widgets.

Nothing here knows about selling or ordering; screens live in ``kiosk/`` and ``pos/``.
"""
