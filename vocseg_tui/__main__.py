"""`python -m vocseg_tui` is the same as the `vocseg-tui` console script."""

from vocseg_tui.cli import main

raise SystemExit(main())
