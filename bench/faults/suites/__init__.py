"""One module per fault suite, each ending in ``SUITE = Suite(...)`` (found by name, no list to edit)."""
