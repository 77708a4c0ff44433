"""A reproducibility record as the few lines `runs show` prints (the full record: --json)."""

from __future__ import annotations

from typing import Any


def _error(value: Any) -> str | None:
    return str(value["error"]) if isinstance(value, dict) and "error" in value else None


def record_lines(record: dict[str, Any] | None) -> list[str]:
    if record is None:
        return ["reproducibility: no record (not trained by our tools/train.py, or before it wrote one)"]
    if (failed := _error(record)) is not None and "schema" not in record:
        return [f"reproducibility: {failed}"]
    lines = [f"reproducibility record {record.get('file', '')}",
             f"  attempt      {record.get('attempt')} on {record.get('host')}"
             + (f", job {record['job_id']}" if record.get("job_id") is not None else "")]
    command = record.get("command")
    if isinstance(command, list):
        lines.append("  command      " + " ".join(map(str, command)))
    git = record.get("git")
    if git is None:
        lines.append("  git          (not a git repository)")
    elif (failed := _error(git)) is not None:
        lines.append(f"  git          {failed}")
    elif isinstance(git, dict):
        state = "uncommitted changes" if git.get("dirty") else "clean"
        if git.get("diff_truncated"):
            state += " (diff cut in the record)"
        lines.append(f"  git          {str(git.get('commit') or '?')[:12]} {state}")
    config = record.get("config")
    if isinstance(config, dict):
        lines.append(f"  config       {_error(config) or str(config.get('sha256', '?'))[:16]}")
    versions = record.get("versions")
    if isinstance(versions, dict):
        lines.append("  versions     " + (_error(versions) or "  ".join(
            f"{k} {_error(v) or v}" for k, v in versions.items())))
    gpus = record.get("gpus")
    if isinstance(gpus, dict):
        found = gpus.get("devices")
        devices: list[Any] = found if isinstance(found, list) else []
        named = ", ".join(f"{d.get('name')} {d.get('uuid')}" for d in devices if isinstance(d, dict))
        lines.append(f"  gpus         driver {gpus.get('driver')}: {named}" if devices
                     else f"  gpus         none ({gpus.get('error') or 'no devices'})")
    data = record.get("data")
    if isinstance(data, dict) and (failed := _error(data)) is None:
        for root, found in data.items():
            lists = found.get("lists", {}) if isinstance(found, dict) else {}
            counts = " ".join(f"{n}={v.get('lines', 'missing')}" for n, v in lists.items()
                              if isinstance(v, dict))
            lines.append(f"  data         {root}: {counts}")
    elif failed:
        lines.append(f"  data         {failed}")
    packages = record.get("packages")
    lines.append(f"  packages     {len(packages)} installed (--json lists them)" if isinstance(packages, list)
                 else f"  packages     {_error(packages)}")
    return lines
