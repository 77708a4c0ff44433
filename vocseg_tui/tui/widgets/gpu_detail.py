"""The highlighted GPU up close: identity, the last minute as sparklines, its processes.

What the table's state column can only name is explained here: a MIG GPU (why it cannot
train as a whole, what to do instead), a process list that could not be read, and which
processes are a display server's (shown, but they block nothing)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import DataTable, Sparkline, Static

from vocseg_tui.core.gpus import MIB, GpuHistory, GpuInfo, GpuProcess, is_display_process
from vocseg_tui.tui.widgets.gpu_cells import show_markup

COMMAND_WIDTH = 160
MIG_TEXT = ("[magenta]MIG mode[/magenta]: it cannot train as one GPU. Ask the admin to "
            "turn MIG off, or run on a MIG instance's UUID (nvidia-smi -L) outside vocseg-tui.")
"""One paragraph, wrapped to the pane: four lines at 80 columns, where the pane has six."""


class GpuDetail(Horizontal):
    """Processes (pid, owner, GPU memory, command) on the left; facts and history on the right."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="gpu-processes", cursor_type="row", show_cursor=False)
        with Vertical(id="gpu-facts"):
            yield Static("", id="gpu-facts-text")
            yield Static("util", classes="spark-label", id="gpu-util-label")
            yield Sparkline([], id="gpu-util-spark")
            yield Static("memory", classes="spark-label", id="gpu-mem-label")
            yield Sparkline([], id="gpu-mem-spark")

    _rows: list[tuple[str, str, str, str]] = []  # noqa: RUF012 (replaced, never mutated)
    _title = ""

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one("#gpu-processes", DataTable)
        # Fixed widths: rows are added once and kept while unchanged, and auto widths measured
        # after the first paint would leave that paint's narrow cells cached.
        # At 80 columns the list is ~34 wide: pid, user (with its "(display)" mark) and MiB fit.
        for label, width in (("pid", 7), ("user", 14), ("MiB", 6), ("command", COMMAND_WIDTH)):
            table.add_column(label, width=width)

    def _show_processes(self, rows: list[tuple[str, str, str, str]], title: str) -> None:
        """Rebuild the process list only when it changed, so a scrolled list stays put."""
        if rows == self._rows and title == self._title:
            return
        self._rows, self._title = rows, title
        table: DataTable[str] = self.query_one("#gpu-processes", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row)
        table.border_title = title

    def show(self, gpu: GpuInfo | None, history: GpuHistory, me: str) -> None:
        facts = self.query_one("#gpu-facts-text", Static)
        if gpu is None:
            self._show_processes([], "")
            show_markup(facts, "")
            return
        rows = []
        for proc in sorted(gpu.processes, key=lambda p: -(p.gpu_memory or 0)):
            rows.append((str(proc.pid), _user(proc, me),
                         "?" if proc.gpu_memory is None else str(proc.gpu_memory // MIB),
                         _command(proc)[:COMMAND_WIDTH]))
        self._show_processes(rows, _title(gpu))
        if not gpu.ok:
            show_markup(facts, f"[b]GPU {gpu.index}[/b] {gpu.uuid}\n"
                               f"[red]{escape(gpu.error or '')}[/red]\n"
                               "check it with nvidia-smi; the other GPUs still work")
        else:
            mem_util = "-" if gpu.memory_util is None else f"{gpu.memory_util}%"
            limit = f" / {gpu.power_limit:.0f} W" if gpu.power_limit else ""
            power = "-" if gpu.power is None else f"{gpu.power:.0f} W{limit}"
            lines = [f"[b]{escape(gpu.name)}[/b]", gpu.uuid]
            if gpu.mig:  # its process list is unknown too, as the process list's title says
                lines.append(MIG_TEXT)
            else:
                if not gpu.processes_known:
                    lines.append(f"[yellow]processes unknown[/yellow]: {escape(gpu.processes_error or '')}")
                lines += [f"bus {gpu.pci_bus_id}  mem busy {mem_util}", f"power {power}"]
                if gpu.mig_pending:
                    lines.append("[magenta]MIG turns on at the next GPU reset[/magenta]")
            show_markup(facts, "\n".join(lines))
        key = gpu.uuid or str(gpu.index)
        util, memory = history.util(key), history.memory(key)
        self.query_one("#gpu-util-spark", Sparkline).data = util
        self.query_one("#gpu-mem-spark", Sparkline).data = memory
        show_markup(self.query_one("#gpu-util-label", Static), _range("util", util))
        show_markup(self.query_one("#gpu-mem-label", Static), _range("memory", memory))


def _title(gpu: GpuInfo) -> str:
    if not gpu.ok:
        return f"GPU {gpu.index}: failed"
    if not gpu.processes_known:
        return f"GPU {gpu.index}: processes unknown"
    return f"GPU {gpu.index}: {len(gpu.processes)} process(es)"


def _user(process: GpuProcess, me: str) -> str:
    """The owner, marked "(you)", or "(display)" for a display server's (which blocks nothing)."""
    user = process.user or "?"
    if process.is_mine(me):
        return f"{user} (you)"
    return f"{user} (display)" if is_display_process(process) else user


def _command(process: GpuProcess) -> str:
    """The command, marked when it is graphics only (an X server, an OpenGL program)."""
    command = process.command or "?"
    return command if process.compute else f"graphics: {command}"


def _range(what: str, values: list[float]) -> str:
    """The sparkline scales to its own min..max, so say what that range is."""
    if not values:
        return what
    return f"{what} {min(values):.0f}-{max(values):.0f}% over {len(values)} s"
