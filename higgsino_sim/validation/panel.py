"""One panel of the validation report: a comparison, its statistic and its figure.

Every check of ``hsim validate`` returns :class:`Panel` objects; the report writer
(``higgsino_sim.validation.report``) saves each figure as ``KEY.png`` and lists the
panel in ``report.md``. A panel passes when its p-value is above ``P_MIN`` (chi2
comparisons) or every pull is within ``PULL_MAX`` standard deviations (point-wise
comparisons): the same thresholds as the physics tests, so a failing panel is as
unlikely by chance (about 1e-3 per panel) as a failing test. A panel whose reference is
not expected to agree within statistics (a published curve of a different detector
model, a digitised figure without uncertainties) is informational: ``passed`` is None and
the statistic only describes the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P_MIN = 1e-3
PULL_MAX = 4.0


@dataclass(frozen=True, slots=True)
class Panel:
    """A validation comparison.

    Attributes
    ----------
    key
        File-name stem of the figure, unique in the report (``[a-z0-9_]+``).
    section
        Report section, e.g. ``"Cross sections"``, ``"Decays"``, ``"Detector: cms-phase1"``.
    title
        One line: what is compared.
    reference
        What the generator is compared with, and the source (paper, equation, table).
    n_events
        Number of generated events (or draws) behind the comparison; 0 for a
        deterministic comparison.
    statistic
        Human-readable agreement, e.g. ``"chi2/ndf = 12.3/15, p = 0.72"`` or
        ``"max |pull| = 1.8 over 14 points"``.
    passed
        True if the comparison is within the statistical thresholds above, False if
        not, None for an informational comparison (no pass criterion).
    figure
        The matplotlib figure (Agg); the report writer saves and closes it.
    """

    key: str
    section: str
    title: str
    reference: str
    n_events: int
    statistic: str
    passed: bool | None
    figure: Figure
