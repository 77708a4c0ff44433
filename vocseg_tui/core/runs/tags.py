"""Tags and a note per run, kept in the registry (not in the work dir), keyed by its path, so
every UI and CLI call sees the same ones."""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.registry import Registry
from vocseg_tui.core.runs.listing import open_registry
from vocseg_tui.core.runs.model import RunRow

MAX_NOTE = 2000


def check_tag(tag: str) -> str:
    """A tag is one word of printable text (any script): `tag:WORD` filters must find it."""
    if not tag or any(ch.isspace() or not ch.isprintable() for ch in tag) or len(tag) > 64:
        raise VocsegError(f"{tag!r} is not a tag: a tag is one word of up to 64 printable characters",
                          "join words with - or _ (e.g. lr-sweep)")
    return tag


def add_tags(row: RunRow, tags: list[str]) -> list[str]:
    """The run's tags after adding `tags` (each kept once, in the order first given)."""
    merged = list(dict.fromkeys([*row.tags, *(check_tag(t) for t in tags)]))
    _registry().set_run_meta(row.path, tags=merged)
    return merged


def remove_tags(row: RunRow, tags: list[str]) -> list[str]:
    missing = [t for t in tags if t not in row.tags]
    if missing:
        raise VocsegError(f"{row.name} has no tag {', '.join(map(repr, missing))}",
                          f"its tags: {' '.join(row.tags) or '(none)'}")
    kept = [t for t in row.tags if t not in tags]
    _registry().set_run_meta(row.path, tags=kept)
    return kept


def set_note(row: RunRow, note: str) -> str:
    if len(note) > MAX_NOTE or any(not ch.isprintable() and ch not in "\n\t" for ch in note):
        raise VocsegError(f"a note is up to {MAX_NOTE} printable characters", "shorten the note")
    _registry().set_run_meta(row.path, note=note)
    return note


def _registry() -> Registry:
    registry = open_registry(create=True)
    assert registry is not None
    return registry
