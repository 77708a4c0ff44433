"""Training curves of one run: loss (raw and smoothed, decode and aux heads), LR, mIoU.

Every chart is as wide as the pane gives it (the plots share the pane's width; nothing is
drawn past its edge), titles are short enough for the narrow LR and mIoU plots at 80 columns,
and the x axis is labelled with whole iterations or epochs, the newest always among them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual_plotext import PlotextPlot

from vocseg_tui.core.logs import History, smooth

MAX_TICKS = 5


def whole_ticks(xs: list[float], count: int = MAX_TICKS) -> list[float]:
    """Up to `count` whole numbers spread from the first to the last x, both ends included."""
    low, high = round(min(xs)), round(max(xs))
    if high - low < count:
        return [float(x) for x in range(low, high + 1)]
    step = (high - low) / (count - 1)
    return sorted({float(round(low + n * step)) for n in range(count)})


class LogCharts(Vertical):
    """Three plots fed from a run's History; redrawn only when the history changed."""

    DEFAULT_CSS = """
    LogCharts { height: 1fr; width: 1fr; }
    LogCharts #chart-loss { height: 1fr; }
    LogCharts #chart-row { height: 1fr; }
    LogCharts PlotextPlot { height: 1fr; width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="chart-loss")
        with Horizontal(id="chart-row"):
            yield PlotextPlot(id="chart-lr")
            yield PlotextPlot(id="chart-miou")

    def draw(self, history: History, smoothing: float) -> None:
        self._loss(history, smoothing)
        self._lr(history)
        self._miou(history)

    def _loss(self, history: History, smoothing: float) -> None:
        widget = self.query_one("#chart-loss", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"loss (smoothing {smoothing:.1f})" if smoothing else "loss")
        xs, ys = history.series("loss")
        if xs:
            if smoothing:
                plt.plot(xs, ys, color="gray", marker="braille")
            plt.plot(xs, smooth(ys, smoothing), label="loss", marker="braille")
            for key, label in (("decode.loss_ce", "decode"), ("aux.loss_ce", "aux")):
                kx, ky = history.series(key)
                if kx:
                    plt.plot(kx, smooth(ky, smoothing), label=label, marker="braille")
            plt.xticks(whole_ticks(xs))
            plt.xlabel("iteration")
        widget.refresh()

    def _lr(self, history: History) -> None:
        widget = self.query_one("#chart-lr", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("LR")
        xs, ys = history.series("lr")
        if xs:
            plt.plot(xs, ys, marker="braille")
            plt.xticks(whole_ticks(xs, 3))
        widget.refresh()

    def _miou(self, history: History) -> None:
        widget = self.query_one("#chart-miou", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        xs, ys = history.miou_series()
        best = max(ys) if ys else None
        plt.title(f"mIoU (best {best:.2f})" if best is not None else "mIoU")
        if xs:
            plt.plot(xs, ys, marker="dot")
            plt.xticks(whole_ticks(xs, 3))
            plt.xlabel("epoch" if history.validations and history.validations[-1].epoch else "iteration")
        widget.refresh()
