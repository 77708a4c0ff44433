"""The validator's findings, inline: severity, what, why, and the fix."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vocseg_tui.core.recipe.validate import Finding

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class FindingsPanel(Static):
    """Shows the last validation; `checking()` while a new one runs in a worker."""

    def checking(self) -> None:
        self.update(Text("checking the config with mmengine…", "dim"))

    def waiting(self) -> None:
        self.update(Text("the validator runs again once every field is valid", "dim"))

    def failed(self, message: str) -> None:
        self.update(Text(f"✗ {message}", "bold red"))

    def show(self, findings: list[Finding]) -> None:
        if not findings:
            self.update(Text("✓ no findings: the config is epoch-based and consistent", "green"))
            return
        text = Text()
        for finding in findings:
            text.append(f"{finding.severity}: ", STYLES[finding.severity])
            text.append(f"{finding.message}\n")
            text.append(f"  {finding.explanation}\n", "dim")
            text.append(f"  fix: {finding.fix}\n")
        self.update(text)
