"""Log text made safe for a terminal: control characters become visible `?`.

A training log holds whatever a dataset path, a library or a crashing process printed. Written
raw to a terminal, an OSC 52 sequence (ESC ] 52 ; c ; ... BEL) sets the clipboard, OSC 0 the
window title, and other sequences move the cursor or clear the screen. The Logs screen and
`vocseg-tui logs` both show lines through `escape_controls`, so neither ever lets the log
drive the terminal (`vocseg-tui logs --raw` opts out). Colour codes never get this far: the
reader drops them (`clean_line`).
"""

from __future__ import annotations

CONTROLS = {c: "?" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c != 0x09}
"""C0 controls (ESC, BEL, CR, backspace ...), DEL and the C1 controls (U+0080-U+009F, which
some terminals obey as ESC-less CSI/OSC); tab stays a tab. One character for one, so columns
and widths are unchanged."""


def escape_controls(text: str) -> str:
    """`text` with every control character (except tab) replaced by `?`."""
    return text.translate(CONTROLS)
