"""engine.rulefile."""
