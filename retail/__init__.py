"""Vitrina's UI-free domain and the terminal's local store.

Nothing here imports Kivy, requests, escpos or serial (tests/test_layering.py checks).
"""
