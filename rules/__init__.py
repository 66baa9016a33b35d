"""xlint rules: one module per rule code (imported as ``xlint.rules``)."""
