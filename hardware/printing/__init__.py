"""Receipt printing over python-escpos: printer specs and configuration, a document model,
rendering with the known ESC/POS traps worked around, and honest status checks."""
