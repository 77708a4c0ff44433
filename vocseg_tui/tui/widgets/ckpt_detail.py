"""The panel beside the checkpoint table: what the highlighted file is, and its evaluation."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from vocseg_tui.core.checkpoints import Checkpoint, Run
from vocseg_tui.core.checkpoints.evaluate import EvalStatus
from vocseg_tui.core.shown import shown


def describe(run: Run, ckpt: Checkpoint) -> str:
    lines = [f"[b]{escape(ckpt.name)}[/b]  ({escape(run.name)})", escape(shown(ckpt.path))]
    config = run.config_dump.name if run.config_dump else "[red]none: demo and evaluation need it[/red]"
    lines.append(f"config dump: {config}")
    if not ckpt.ok:
        lines.append(f"[red]damaged: {ckpt.problem}[/red]  (never used for resume or demo)")
    elif ckpt.kind == "best":
        instead = resume_instead(run, ckpt)
        lines.append("weights only (no optimizer state): demo, evaluation and fine-tuning "
                     "(load_from); " + (f"to continue training, resume from {instead.name}"
                                        if instead else "no epoch/iter checkpoint to resume from"))
    if run.job_ids:
        lines.append(f"jobs: {', '.join(str(j) for j in run.job_ids[:5])}")
    return "\n".join(lines)


def resume_instead(run: Run, ckpt: Checkpoint) -> Checkpoint | None:
    """What to resume from in place of a weights-only best_* file: the intact epoch_/iter_
    file of the same step (mmengine saved both at once), else the run's newest intact one."""
    steps = [c for c in run.usable if c.kind in ("epoch", "iter")]
    same = next((c for c in steps if (c.unit, c.step) == (ckpt.unit, ckpt.step)), None)
    return same or (steps[0] if steps else None)


def resume_refusal(run: Run, ckpt: Checkpoint) -> str:
    """Why a best_* file cannot be resumed from, and the two things a user may want instead."""
    instead = resume_instead(run, ckpt)
    config = run.config_dump or "CONFIG"
    resume = (f"Resume from {instead.name} instead (highlight it, press r)" if instead else
              "No epoch_*/iter_* checkpoint of this run is left to resume from")
    return (f"{ckpt.name} holds weights only (mmengine saves best_* without optimizer and LR "
            f"schedule state), so training cannot continue from it.\n{resume}, or fine-tune from "
            f"these weights: vocseg-tui train {config} --cfg-options load_from={ckpt.path}")


def evaluation_line(status: EvalStatus) -> str:
    where = f" on {escape(status.device)}" if status.device else ""
    if status.state == "running":
        return f"evaluation: [yellow]running on the val split{where}…[/yellow]"
    if status.state == "failed":
        return f"evaluation{where}: [red]failed[/red] {escape(status.message)}"
    if status.state == "done":
        m = status.metrics
        return (f"evaluation (val, {m.get('images', '?')} images{where}): "
                f"mIoU [b]{m.get('mIoU', 0):.2f}[/b]  aAcc {m.get('aAcc', 0):.2f}  "
                f"mAcc {m.get('mAcc', 0):.2f}")
    return "evaluation: none yet (e)"


class CheckpointDetail(Horizontal):
    def compose(self) -> ComposeResult:
        with Vertical(id="ckpt-text"):
            yield Static("", id="ckpt-info")
            yield Static("", id="ckpt-eval")
        yield DataTable(id="ckpt-classes", show_cursor=False, zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#ckpt-classes", DataTable)
        table.add_column("class", key="class")
        table.add_column("IoU", key="IoU")
        table.add_column("Acc", key="Acc")
        table.display = False

    def show(self, run: Run | None, ckpt: Checkpoint | None, status: EvalStatus | None) -> None:
        info = self.query_one("#ckpt-info", Static)
        if run is None or ckpt is None:
            info.update("No checkpoint selected. Runs appear here once training saves one.")
            self.query_one("#ckpt-eval", Static).update("")
            self.query_one("#ckpt-classes", DataTable).display = False
            return
        info.update(describe(run, ckpt))
        status = status or EvalStatus("none")
        self.query_one("#ckpt-eval", Static).update(evaluation_line(status))
        table = self.query_one("#ckpt-classes", DataTable)
        table.clear()
        for row in status.classes:
            iou, acc = row.get("IoU"), row.get("Acc")
            table.add_row(row["name"], Text("-" if iou is None else f"{iou:.2f}", justify="right"),
                          Text("-" if acc is None else f"{acc:.2f}", justify="right"), key=row["name"])
        table.display = bool(status.classes)
