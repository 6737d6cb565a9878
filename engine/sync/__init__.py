"""engine.sync.syncer."""
