"""`python -m posterm` runs the same entry point as the `posterm` command."""

from posterm.cli import main

raise SystemExit(main())
