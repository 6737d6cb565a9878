"""simulator.world."""
