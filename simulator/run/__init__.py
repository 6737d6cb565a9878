"""simulator.run.runner."""
