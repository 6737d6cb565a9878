"""`python -m cli` runs the `orderflow` command (what the tests start in a subprocess)."""

from cli.main import main

main()
