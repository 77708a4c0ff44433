"""The wheels the device check carries to a GPU machine without internet, and installing them.

The GPU machine has Python, a CUDA build of torch and the heavy scientific packages (numpy,
opencv, scipy, matplotlib, rich, nvidia-ml-py), but not the OpenMMLab stack. So the check brings
the small remainder as files: binary wheels for that machine's Python, downloaded here with
`--no-deps` from an exact list (never torch, never the big packages), and the mmcv 2.1.0
source distribution, which is compiled there against whatever torch it has (mmcv publishes no
wheel for recent torch). `check_closure` proves, on the downloaded files themselves, that
every requirement is either carried or one of the packages that machine already has.

Standard library only (plus `packaging` where it is importable): this module runs before
anything is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gpu_check_outcome import Fail

MMCV_SDIST = "mmcv==2.1.0"
MMCV_SDIST_FILE = "mmcv-2.1.0.tar.gz"

# Binary wheels, exact versions (the set verified by `--download-wheels` and `check_closure`).
WHEELS: tuple[str, ...] = (
    "mmengine==0.10.7",
    "mmsegmentation==1.2.2",
    # mmengine / mmcv
    "addict==2.4.0", "pyyaml==6.0.4", "yapf==0.43.0", "platformdirs==4.14.9", "termcolor==3.3.0",
    # mmseg, and the text modules `mmseg.utils` imports at import time
    "prettytable==3.18.0", "wcwidth==0.9.4", "ftfy==6.3.1", "regex==2026.11.19",
    # vocseg-tui's own non-UI needs
    "psutil==7.2.2", "packaging==26.4",
    # building mmcv: pkg_resources (gone from setuptools >= 81) and a parallel compiler driver
    "setuptools==80.10.2", "ninja==1.13.2",
)

# What the GPU machine is expected to have already (distribution names, normalised).
PRESENT_ON_TARGET: frozenset[str] = frozenset({
    "torch", "numpy", "opencv-python", "scipy", "matplotlib", "rich", "pillow", "nvidia-ml-py",
})

# Modules whose import proves the installed stack works (the first error names what is missing).
STACK_MODULES = ("torch", "mmengine", "mmcv", "mmseg", "yapf", "addict", "prettytable", "ftfy", "regex",
                 "psutil", "platformdirs", "termcolor", "yaml", "cv2", "scipy", "matplotlib", "PIL",
                 "pkg_resources", "distutils")
"""`pkg_resources` and `distutils`: mmengine imports both (its environment report runs
`from distutils import errors`), and Python 3.12 has no distutils of its own: it comes from
setuptools' shim, which a `.pth` file switches on."""

SITECUSTOMIZE = '''"""Written by bench/gpu_check.py: make this folder (on PYTHONPATH) a site dir, so its .pth
files run as they would in site-packages (setuptools' distutils shim, which Python 3.12 needs
for mmengine), then run the sitecustomize this file shadows, if there is one."""
import importlib.machinery, importlib.util, os, site, sys

_here = os.path.dirname(os.path.abspath(__file__))
site.addsitedir(_here)
_spec = importlib.machinery.PathFinder.find_spec(
    "sitecustomize", [p for p in sys.path if os.path.abspath(p or ".") != _here])
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
'''

IMPORT_PROBE = """
import importlib, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
        out[name] = {"ok": True, "version": str(getattr(module, "__version__", "")),
                     "file": str(getattr(module, "__file__", ""))}
    except Exception as exc:
        out[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
if out.get("mmcv", {}).get("ok"):
    try:
        import mmcv._ext  # noqa: F401
        out["mmcv"]["ops"] = True
    except Exception as exc:
        out["mmcv"]["ops"] = False
        out["mmcv"]["ops_error"] = f"{type(exc).__name__}: {exc}"[:300]
print(json.dumps(out))
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned_name(spec: str) -> str:
    return normalise(re.split(r"[<>=!~; ]", spec, maxsplit=1)[0])


def download_commands(dest: Path, python_version: str, platform: str = "manylinux2014_x86_64",
                      python: str = sys.executable) -> list[list[str]]:
    """The two `pip download` commands: the binary wheels for the target Python, then the mmcv sdist.

    The sdist's metadata is prepared by running its setup.py, which imports `pkg_resources`:
    hence `--no-build-isolation` with an interpreter that has setuptools < 81 (the project's
    venv has it)."""
    pip = [python, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "--dest", str(dest)]
    return [
        [*pip, "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
         "--platform", platform, *WHEELS],
        [*pip, "--no-binary", ":all:", "--no-build-isolation", MMCV_SDIST],
    ]


def download(dest: Path, python_version: str) -> dict[str, object]:
    """Run the downloads, check the closure, then move the files into `dest`: a failed download
    leaves `dest` as it was. What was downloaded, with the total size."""
    import tempfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gpu-check-download-", dir=dest.parent) as partial:
        folder = Path(partial)
        for command in download_commands(folder, python_version):
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                lines = [line.strip() for line in (done.stderr or done.stdout).splitlines()
                         if line.strip() and "is ignored" not in line]
                said = [line[:200] for line in lines if line.startswith("ERROR")] or lines[-3:]
                raise Fail(f"pip download failed: {' | '.join(said)}",
                           "check the network; run this with the project's venv (it has setuptools < 81)")
        missing = check_closure(folder, python_version)
        if missing:
            raise Fail(f"requirements neither carried nor on the GPU machine: {', '.join(missing)}",
                       "add them to WHEELS in bench/gpu_check_wheels.py")
        dest.mkdir(exist_ok=True)
        for file in folder.iterdir():
            file.replace(dest / file.name)
    files = sorted(p for p in dest.iterdir() if p.is_file())
    return {"dir": str(dest), "files": [p.name for p in files],
            "total_mib": round(sum(p.stat().st_size for p in files) / 2**20, 2)}


def _wheel_metadata(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode("utf-8", errors="replace")


def check_closure(folder: Path, python_version: str) -> list[str]:
    """Requirements of the carried wheels that are neither carried nor on the target (sorted).

    Markers are evaluated for the target Python on Linux; extras are ignored (nothing here asks
    for one)."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    environment = {str(k): str(v) for k, v in default_environment().items()}
    environment.update(python_version=python_version, python_full_version=f"{python_version}.0",
                       sys_platform="linux", platform_system="Linux", os_name="posix", extra="")
    carried = {normalise(p.name.split("-")[0]) for p in folder.glob("*.whl")}
    carried |= {"mmcv"} if (folder / MMCV_SDIST_FILE).is_file() else set()
    requirements: list[str] = []
    for wheel in folder.glob("*.whl"):
        requirements += [line.split(":", 1)[1].strip() for line in _wheel_metadata(wheel).splitlines()
                         if line.startswith("Requires-Dist:")]
    if (folder / MMCV_SDIST_FILE).is_file():
        requirements += ["addict", "mmengine>=0.3.0", "numpy", "packaging", "Pillow", "pyyaml", "yapf",
                         "opencv-python>=3"]  # mmcv 2.1.0's requirements/runtime.txt
    missing = set()
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = normalise(requirement.name)
        if name not in carried and name not in PRESENT_ON_TARGET:
            missing.add(name)
    return sorted(missing)


@dataclass
class Site:
    """Where the check installs what it brings (a folder put first on PYTHONPATH), and the
    environment every child process of the check gets."""

    path: Path
    repo: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def activate(self) -> None:
        """Put the folder (if it exists) and the repository first on the path, here and for children."""
        entries = [str(self.path)] if self.path.is_dir() else []
        entries.append(str(self.repo))
        old = [p for p in self.env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in entries]
        self.env["PYTHONPATH"] = os.pathsep.join([*entries, *old])
        bin_dir = self.path / "bin"
        if bin_dir.is_dir() and str(bin_dir) not in self.env.get("PATH", "").split(os.pathsep):
            self.env["PATH"] = os.pathsep.join([str(bin_dir), self.env.get("PATH", "")])
        for entry in reversed(entries):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        os.environ.update(PYTHONPATH=self.env["PYTHONPATH"], PATH=self.env.get("PATH", ""))

    def probe(self, modules: tuple[str, ...] = STACK_MODULES, extra_env: dict[str, str] | None = None,
              timeout: float = 180.0) -> dict[str, dict[str, object]]:
        """Import `modules` in a fresh child process: {module: {ok, version | error}}."""
        done = subprocess.run([sys.executable, "-c", IMPORT_PROBE, *modules], capture_output=True, text=True,
                              env={**self.env, **(extra_env or {})}, timeout=timeout, check=False)
        try:
            return dict(json.loads(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            return {m: {"ok": False, "error": (done.stderr.strip().splitlines() or ["no answer"])[-1][:300]}
                    for m in modules}


def write_sitecustomize(site: Site) -> None:
    site.path.mkdir(parents=True, exist_ok=True)
    (site.path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")


def stack_present(found: dict[str, dict[str, object]]) -> bool:
    return all(bool(v.get("ok")) for v in found.values()) and \
        found.get("mmengine", {}).get("version") == "0.10.7" and \
        found.get("mmseg", {}).get("version") == "1.2.2"


def mmcv_built(found: dict[str, dict[str, object]]) -> bool:
    mmcv = found.get("mmcv", {})
    return bool(mmcv.get("ok")) and mmcv.get("version") == "2.1.0" and bool(mmcv.get("ops"))


def first_failure(found: dict[str, dict[str, object]]) -> str:
    return next((f"{name}: {v.get('error')}" for name, v in found.items() if not v.get("ok")), "")


def carried_files(folder: Path) -> list[Path]:
    """The carried wheels for this interpreter's install (the sdist excluded), refusing an
    incomplete folder with the names that are missing."""
    wheels = sorted(folder.glob("*.whl"))
    have = {normalise(p.name.split("-")[0]) for p in wheels}
    missing = sorted({_pinned_name(s) for s in WHEELS} - have)
    if missing:
        raise Fail(f"{folder} lacks the wheels of {', '.join(missing)}",
                   f"download them: python bench/gpu_check.py --download-wheels {folder}")
    return wheels


def pip_install(site: Site, files: list[Path], log: Path, *, build_env: dict[str, str] | None = None,
                timeout: float = 600.0) -> None:
    """`pip install --no-index --no-deps --target SITE FILES`, its output in `log`."""
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-index",
               "--no-deps", "--upgrade", "--target", str(site.path), *map(str, files)]
    if build_env is not None:  # -v: the compiler's output goes to the log, for a failed build
        command[command.index("--no-deps"):command.index("--no-deps")] = ["-v", "--no-build-isolation"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        # A session of its own: on a timeout the compilers it started are stopped with it.
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**site.env, **(build_env or {})})
        try:
            returncode = process.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise Fail(f"pip install timed out after {timeout:.0f} s", f"see {log}") from None
    if returncode != 0:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = [line.strip() for line in text if "error" in line.lower()][-3:] or text[-3:]
        raise Fail(f"pip install exited {returncode}: {' | '.join(errors)[:600]}", f"full log: {log}")


def build_preflight() -> list[str]:
    """What the mmcv build needs that this machine lacks (empty when it can build)."""
    problems = []
    if not (shutil.which("c++") or shutil.which("g++")):
        problems.append("no C++ compiler (c++/g++) on PATH: mmcv's ops are compiled here")
    include = sysconfig.get_paths().get("include", "")
    if not Path(include, "Python.h").is_file():
        problems.append(f"no Python headers ({include}/Python.h): install this Python's dev package")
    return problems


def build_env(cores: int) -> dict[str, str]:
    """mmcv with its CPU ops only: the GPU hidden so setup.py does not pick CUDA (UPerNet needs
    no CUDA op, and the build then needs no nvcc), all cores for ninja."""
    return {"CUDA_VISIBLE_DEVICES": "", "FORCE_CUDA": "0", "MMCV_WITH_OPS": "1", "MAX_JOBS": str(cores)}
