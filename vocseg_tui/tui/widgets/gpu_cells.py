"""The small pictures in a GPU row: usage bars, a history sparkline, the state word.

Rich `Text`, so a DataTable cell can hold them and a 1 Hz refresh only rebuilds strings. The
row sparkline is drawn on a fixed 0-100 % scale: Textual's Sparkline scales to the minimum
and maximum of its data, which is right for the detail panel's shape-of-the-last-minute view
but would draw a GPU pinned at 100 % as flat and empty in a list meant for comparing GPUs.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from vocseg_tui.core.gpus import GIB, GpuInfo, PickRules, blocker, blocking_users

BLOCKS = " ▁▂▃▄▅▆▇█"
EIGHTHS = " ▏▎▍▌▋▊▉"


def level_style(percent: float) -> str:
    return "green" if percent < 50 else "yellow" if percent < 85 else "red"


def bar(percent: float, width: int, label: str) -> Text:
    """`██▌░░░ label`: a bar in eighths of a cell, coloured by how full it is."""
    percent = min(100.0, max(0.0, percent))
    eighths = round(percent / 100 * width * 8)
    full, part = divmod(eighths, 8)
    drawn = "█" * full + (EIGHTHS[part] if part and full < width else "")
    text = Text(drawn, style=level_style(percent))
    text.append("░" * (width - len(drawn)), style="dim")
    text.append(f" {label}")
    return text


def spark(values: Sequence[float], width: int) -> Text:
    """The last `width` values (percent) as one line of block characters, 0-100 % scale."""
    recent = list(values)[-width:]
    cells = "".join(BLOCKS[min(8, round(v / 100 * 8))] for v in recent)
    return Text(cells.rjust(width), style="cyan")


def memory_cell(gpu: GpuInfo, width: int = 6) -> Text:
    return bar(gpu.memory_percent, width, f"{gpu.memory_used / GIB:4.1f}/{gpu.memory_total / GIB:.0f}")


def util_cell(gpu: GpuInfo, width: int = 5) -> Text:
    util = gpu.gpu_util
    return bar(util or 0, width, " n/a" if util is None else f"{util:3d}%")


def state_cell(gpu: GpuInfo, rules: PickRules, me: str) -> Text:
    """One or two words: free, the other users, busy, MIG, processes unknown, or failed;
    "(you)" on your own GPUs. A display server's processes name nobody (they block nothing);
    the detail pane lists them."""
    why = blocker(gpu, rules, me)
    if not gpu.ok:
        return Text(f"failed: {gpu.error}", style="bold red")
    if gpu.mig:
        return Text("MIG", style="bold magenta")
    others = blocking_users(gpu, me)
    if not gpu.processes_known:
        text = Text("processes unknown", style="yellow")
    elif others:
        text = Text(", ".join(others), style="red")
    elif why is None:
        text = Text("free", style="green")
    else:
        text = Text(why.split(" <")[0].split(" >")[0], style="yellow")
    if any(p.is_mine(me) for p in gpu.processes):
        text.append(" (you)", style="bold")
    return text


def show_markup(widget: Static, markup: str) -> None:
    """Update a Static only when its text changes: an update re-lays the screen out, and at one
    refresh a second most lines repeat themselves."""
    if widget.content != markup:
        widget.update(markup)
