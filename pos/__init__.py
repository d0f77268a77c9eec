"""The till: a Kivy app for cashiers and managers (``run_pos.py`` is its composition root).

``pos.services`` holds everything the screens ask of the store and the devices;
``pos.app`` is the App; ``pos/screens/<name>.py`` + ``<name>.kv`` are its screens.
"""
