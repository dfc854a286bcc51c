"""``python -m higgsino_sim``."""

from __future__ import annotations

from higgsino_sim.cli import main

raise SystemExit(main())
