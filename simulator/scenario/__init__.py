"""simulator.scenario.values."""
