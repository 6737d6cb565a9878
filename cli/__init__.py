"""The `orderflow` command: click commands over the engine, the simulator, the analytics and the
workspace.

Each command is thin: it reads its options, calls what lives below, and turns bad input into
located problems or a one-line error and exit code 1, never a traceback. Every command pays the
start-up, so `main` imports a command's module only when that command runs or a help page lists
it. Nothing here imports the app: `orderflow run` starts Streamlit in a child process. The
modules:

- `main`: the `orderflow` group and the module of each command, imported on first use.
- `__main__`: `python -m cli`, what the tests start in a subprocess.
- `options`: the options several commands take (`--db`, `--rules`, `--scenario`, the sync's),
  declared once.
- `rules_commands`: `validate`, `schema` and `diagram`: the rule author's commands.
- `check_commands`: `check`: property tests of rule files (`authoring.check`), for their authors.
- `runtime_commands`: `explain`: which seller actions a rule file allows at a status, and why not.
- `action_commands`: `act`: queue a seller action on a stored order.
- `sync_commands`: `sync` (orders fetched into the store) and `twin` (the Lengow twin).
- `worker_commands`: `worker`: one of N processes running the accounts' syncs as queued jobs.
- `simulate_commands`: `simulate`: one run, or two sides compared over replications, or one run
  written into a store (`--store`).
- `calibrate_commands`: `calibrate`: a scenario fitted from a store's event log.
- `app_commands`: `run` (the analyst app, on a sample store when there is none) and `export`.
- `analysis_commands`: `conformance`: the share of orders that followed the rules, and the
  deviations behind the rest.
- `migration_commands`: `impact` (a rule change measured on the orders in flight) and `migrate`
  (those orders moved to the new version).
- `app_server`: the Streamlit child of `run`: where it listens, and that it stops with its parent.
"""
