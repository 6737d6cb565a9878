"""simulator.twin.server."""
