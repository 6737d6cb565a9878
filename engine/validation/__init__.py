"""engine.validation.checks."""
