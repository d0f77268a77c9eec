"""Store devices: printers, scanners, cash drawer and payment terminal, with emulators for tests."""
