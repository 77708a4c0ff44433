"""Reading the answer of a worker child process: one JSON object on its last line of stdout.

The config loader and the memory estimator both answer this way (mmengine and torch print
what they like before it); a child that died, or printed no object, is described by the last
line it wrote, which is what the user needs to see.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any


def json_answer(done: subprocess.CompletedProcess[str]) -> dict[str, Any] | None:
    """The JSON object on the child's last line of stdout, or None."""
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) else None


def last_words(done: subprocess.CompletedProcess[str], limit: int = 300) -> str:
    """The last line the child wrote (stderr first), cut to `limit` characters."""
    tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
    return tail[0][:limit]
