"""The runtime: one rule set's `transitions` machine moving orders kept as plain records.

Everything that moves an order (the sync, the simulator, the app's order desk, the twin) asks
here and gets an `Outcome` or a `Decision` back. The runtime holds no order, reads no file and
stores or sends nothing, so it imports engine.model alone: it takes a built `RuleSet`. The
modules:

- `runtime`: `Runtime`: observe a reported status, fire a trigger, check or apply a seller
  command, list the options, fire the timers that are due.
- `machine`: the only importer of `transitions`: `RuleMachine`, built once per rule set, and
  `compile_table`, its transitions read back as a table for the fast paths.
- `status_paths`: `PathFinder`, the shortest legal paths for an order's fields, cached per
  signature.
- `commands`: `CommandChecker`, a seller command against status, guard and fields, every blocker.
- `import_policy`: whether orders fulfilled by the marketplace are imported, for a connector.
- `replay`: an order's status and when it entered it, folded from its event log.
- `table`: `TableRuntime`, the runtime's answers on row batches through the compiled table.
- `bulk`: `BulkTable`, integer columns of orders moved by array look-ups, for simulations.
- `bulk_encoding`: `ColumnEncoder`, statuses, triggers and field dicts into the bulk columns.
"""
