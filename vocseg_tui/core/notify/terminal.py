"""A notice as the terminal's own notification: OSC 9 (iTerm2, WezTerm, Windows Terminal, ...)
and OSC 777 (rxvt-unicode, foot, Ghostty, ...), ended with BEL; terminals that know neither
ignore both. The app writes this, and rings the bell, while it is open.

Both sequences end at the first BEL or ESC, and OSC 777 splits its fields at `;`: the text
sent has no control characters, and no `;` inside the title.
"""

from __future__ import annotations

from vocseg_tui.core.notify.events import Notice, one_line

BEL = "\a"


def osc_notification(title: str, body: str) -> str:
    """OSC 9 and OSC 777 for a desktop notification saying `title` and `body`."""
    title = one_line(title).replace(";", ",")
    body = one_line(body)
    return f"\x1b]9;{title}: {body}{BEL}\x1b]777;notify;{title};{body}{BEL}"


def terminal_notification(notice: Notice) -> str:
    """The sequences for `notice`: its title, and the first line of what to do next."""
    summary = f"job {notice.job} {notice.state}"
    if notice.best_miou is not None:
        summary += f", best mIoU {notice.best_miou:.2f}"
    return osc_notification(notice.title(), f"{summary}; vocseg-tui logs {notice.job}")
