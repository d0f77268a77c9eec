"""The shopper kiosk: a touch-only Kivy app over the terminal's local store.

``kiosk.services.KioskServices`` holds every question the screens ask (no SQL in a
screen); ``kiosk.app.KioskApp`` wires screens, scanners, the idle reset and the hidden
technician gesture; ``run_kiosk.py`` at the repository root is the composition root.
"""
