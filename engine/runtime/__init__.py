"""engine.runtime.runtime."""
