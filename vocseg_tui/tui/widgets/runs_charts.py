"""The compare view's charts: val mIoU, train loss (smoothed as the Logs area smooths it) and LR
of the marked runs overlaid, one chart per metric, on a shared x axis in epochs or in samples
seen (`x` toggles it: total batch differs between runs, so iterations are not comparable).

The runs are named in the mIoU chart's legend only (the n-th run has the same colour in every
chart), which leaves the loss and LR curves unhidden. The mIoU chart draws the published mIoU
as a horizontal reference line when the runs have one. What each chart was last given is kept
in `drawn` (label -> (xs, ys)), so tests answer "is the reference line there?" from data, not
from pixels.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual_plotext import PlotextPlot

from vocseg_tui.core.logs import smooth
from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.runs.series import Curve, RunSeries
from vocseg_tui.tui.widgets.log_charts import whole_ticks

SMOOTHING = 0.6
"""The Logs area's default loss smoothing."""
AXES = ("epochs", "samples")
_AXIS_LABEL = {"epochs": "epoch", "samples": "samples seen"}
METRICS = ("miou", "loss", "lr")


class RunsCharts(Horizontal):
    """Three plots side by side; `draw(series, axis)` replaces what they show."""

    DEFAULT_CSS = """
    RunsCharts { height: 11; width: 1fr; }
    RunsCharts PlotextPlot { height: 1fr; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.drawn: dict[str, dict[str, tuple[list[float], list[float]]]] = {m: {} for m in METRICS}
        self.axis = "epochs"

    def compose(self) -> ComposeResult:
        for metric in METRICS:
            yield PlotextPlot(id=f"runs-chart-{metric}")

    def draw(self, series: list[RunSeries], axis: str) -> None:
        self.axis = axis
        published = next((s.published_miou for s in series if s.published_miou is not None), None)
        self._plot("miou", [(s.name, s.miou) for s in series], axis, reference=published)
        self._plot("loss", [(s.name, s.loss) for s in series], axis, smoothing=SMOOTHING)
        self._plot("lr", [(s.name, s.lr) for s in series], axis)

    def _plot(self, metric: str, curves: list[tuple[str, Curve]], axis: str, *,
              smoothing: float = 0.0, reference: float | None = None) -> None:
        widget = self.query_one(f"#runs-chart-{metric}", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        drawn: dict[str, tuple[list[float], list[float]]] = {}
        every_x: list[float] = []
        for name, curve in curves:
            xs, ys = curve.xs(axis), curve.ys(axis)
            if not xs:
                continue
            ys = smooth(ys, smoothing) if smoothing else ys
            label = escape_controls(name)[:16]
            drawn[label] = (xs, ys)
            every_x += xs
            # One legend (the mIoU chart's): plotext colours the n-th curve alike in every chart.
            plt.plot(xs, ys, label=label if metric == "miou" else None,
                     marker="dot" if metric == "miou" else "braille")
        if reference is not None and every_x:
            line = ([min(every_x), max(every_x)], [reference, reference])
            drawn["published"] = line
            plt.plot(*line, label=f"published {reference:.2f}", color="gray", marker="braille")
        titles = {"miou": "val mIoU", "loss": f"loss (smoothing {smoothing:.1f})", "lr": "LR"}
        plt.title(titles[metric])
        if every_x:
            plt.xticks(whole_ticks(every_x, 3))
            plt.xlabel(_AXIS_LABEL[axis])
        self.drawn[metric] = drawn
        widget.refresh()
