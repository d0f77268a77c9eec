"""Device emulators that speak the real wire protocols, for tests and for technicians without hardware."""
