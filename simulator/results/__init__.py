"""simulator.results."""
