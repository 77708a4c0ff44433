"""Reading recipes back from config files, and writing configs without ever clobbering one.

A config written by this tool carries `vocseg_recipe = dict(...)`, a literal that `ast` reads
without executing the file (configs are Python; the UI process runs none of it). Writing is
atomic (temp file, then rename) and refuses an existing file unless told to overwrite.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.logs.parser import _inside_call
from vocseg_tui.core.recipe.model import Recipe

RECIPE_VARIABLE = "vocseg_recipe"
ZOO_VARIABLE = "vocseg_zoo"
"""The record of the zoo model a config was written from (`recipe --from-zoo`): its name,
official schedule and LR, and published target."""


class RecipeFileError(VocsegError):
    """A config file cannot be read, parsed, or written."""


def recipe_from_text(text: str) -> Recipe | None:
    """The recipe stored in a config's text, or None when the file has none (hand-written)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise RecipeFileError(f"the config is not valid Python: line {exc.lineno}: {exc.msg}",
                              "fix the syntax error, then check again") from exc
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == RECIPE_VARIABLE):
            return Recipe.from_dict(_literal_dict(node.value))
    return None


def _literal_dict(node: ast.expr) -> dict[str, Any]:
    try:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        value = ast.literal_eval(node)
    except ValueError as exc:
        raise RecipeFileError(f"{RECIPE_VARIABLE} must hold plain values only",
                              "write numbers, strings, lists, True/False/None") from exc
    if not isinstance(value, dict):
        raise RecipeFileError(f"{RECIPE_VARIABLE} is not a dict")
    return value


def literal_dict(text: str, variable: str) -> dict[str, Any] | None:
    """`variable = dict(...)` (as mmengine dumps it) or `variable = {...}` of a config's text,
    read with `ast` (nothing is executed); None when absent or not plain values."""
    match = re.search(rf"^{variable} = (dict\(|\{{)", text, re.MULTILINE)
    if match is None:
        return None
    try:
        if match.group(1) == "{":
            value = ast.literal_eval(text[match.end() - 1:].split("\n", 1)[0])
            return value if isinstance(value, dict) else None
        call = ast.parse(f"dict({_inside_call(text, match.end())})", mode="eval").body
        if not isinstance(call, ast.Call):
            return None
        return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


def recipe_from_config(cfg: Mapping[str, Any]) -> Recipe | None:
    """The recipe held by a resolved config dict (as the config loader prints it)."""
    data = cfg.get(RECIPE_VARIABLE)
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RecipeFileError(f"{RECIPE_VARIABLE} is not a dict")
    return Recipe.from_dict(data)


def read_recipe(path: Path) -> Recipe | None:
    return recipe_from_text(read_config_text(path))


def read_config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RecipeFileError(f"config {path} does not exist", "check the path") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeFileError(f"cannot read {path}: {exc}", "is it a text file you may read?") from exc


def write_config(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write `text` to `path` atomically; an existing file is kept unless `overwrite`."""
    if path.is_dir():
        raise RecipeFileError(f"{path} is a folder", "give a file name ending in .py")
    if path.suffix != ".py":
        raise RecipeFileError(f"{path} does not end in .py", "mmengine reads Python configs: name it *.py")
    if path.exists() and not overwrite:
        raise RecipeFileError(f"{path} already exists; it was left as it was",
                              "pass --force (or confirm in the app) to overwrite it")
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise RecipeFileError(f"cannot write {path}: {exc.strerror}", "pick a writable folder") from exc
    return path


def starting_point(configs_dir: Path, configs: list[Path]) -> tuple[Recipe, Path] | None:
    """The recipe a new edit starts from, and the config that holds it: the shipped default
    config if the project has it, else the newest config this tool wrote. In the sample project
    that is the tiny CPU recipe, not a full R50 that would need a pretrained download and a GPU.
    None: the project has no such config (start from `Recipe()`, the shipped recipe)."""
    default = configs_dir / f"{Recipe().name}.py"
    newest_first = sorted(configs, key=lambda p: p.stat().st_mtime, reverse=True)
    for path in [default, *newest_first]:
        try:
            stored = read_recipe(path) if path.is_file() else None
        except VocsegError:
            stored = None
        if stored is not None:
            return stored, path
    return None


def starting_recipe(configs_dir: Path, configs: list[Path]) -> Recipe | None:
    """The recipe of `starting_point`, without where it came from."""
    found = starting_point(configs_dir, configs)
    return found[0] if found else None
