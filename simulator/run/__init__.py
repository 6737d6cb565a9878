"""Runs: the simulated marketplace polled on the rule file's schedule and read by the engine.

The order of things is the integrator's: the engine's fetch scheduler picks the windows, the
truth is drawn for those fetch times, and each poll goes through a simulated channel into the
engine's bulk observations, once per distinct case. The live twin source builds on the same
run. The modules:

- `runner`: `simulate`, one run from arrivals to the engine's events in chunks, as a `Run`.
- `pollplan`: the run's fetches, decided by `engine.sync.scheduler.plan` on virtual time.
- `channel`: `SimulatedChannel`, what a poll shows, as Lengow's API would show it.
- `observer`: `EngineView`, what the engine makes of each poll, read once per case.
- `cases`: `CaseTable`, how the runtime reads each distinct observation, kept as arrays.
- `seller_outbox`: the seller's commands from sent to confirmed, as the integrator's outbox sees
  them (it advances on what a poll showed, the observer's `Seen`).
- `live`: `LiveSimulation`, a scenario served through the twin as virtual time passes.
"""
