"""Build dist/lambda.zip, what ships to AWS Lambda, the same bytes wherever it is built.

Why it is built this way (docs/deploy.md has the long form):

* Dependencies come only from lambda/requirements.txt, fully pinned, as pure-Python
  ``py3-none-any`` wheels fetched once into build/wheelhouse/ and then installed
  offline with ``--no-deps --no-index``. Pure wheels make one zip that runs on
  arm64 and x86_64 alike, and on this build machine, so the zip tested here is
  the zip that ships.
* boto3, botocore, s3transfer and jmespath are left out: the Lambda Python
  runtime provides them, and bundling them would add ~15 MB for nothing.
* Bytecode is only worth shipping for the interpreter that will run it: a
  ``cpython-311.pyc`` is ignored by Lambda's Python 3.13. So the build looks
  for an interpreter of TARGET_PYTHON (default 3.13, the template's runtime)
  and, when it finds one, compiles with ``--invalidation-mode unchecked-hash``
  (Lambda unpacks with the zip's 1980 timestamps, which would defeat
  timestamp-checked .pyc) and a fixed hash seed and source prefix (/var/task)
  so the bytes do not depend on where or when the build ran. With no such
  interpreter the zip carries .py only, which Lambda compiles in memory at
  each cold start: correct, just slower to start.
* The zip is reproducible: sorted entries, 1980-01-01 timestamps, 0644 files,
  one compression level, and no install-time bookkeeping (RECORD, INSTALLER).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from skill_tools.paths import DIST, LAMBDA_DIR, REPO_ROOT

REQUIREMENTS = LAMBDA_DIR / "requirements.txt"
WHEELHOUSE = REPO_ROOT / "build" / "wheelhouse"

#: The Lambda runtime's Python, matching LambdaRuntime's default in the template.
DEFAULT_TARGET_PYTHON = "3.13"
#: Provided by the Lambda Python runtime; never bundled.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
#: Lambda's hard limit for a direct upload is 50 MB; we hold ourselves to 5 MB.
MAX_ZIP_BYTES = 5 * 1024 * 1024
#: Where Lambda unpacks the code; recorded in bytecode so tracebacks point there.
LAMBDA_TASK_ROOT = "/var/task"

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644
_DIST_INFO_NOISE = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_SKIP_NAMES = frozenset({"__pycache__", ".DS_Store", ".mypy_cache", ".pytest_cache"})


@dataclass(frozen=True)
class LambdaBuild:
    """What build_lambda_zip produced, for the caller's report and the tests."""

    path: Path
    sha256: str
    size: int
    bytecode_for: str | None


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    """Run a build step; its output is only shown when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise RuntimeError(
            f"build step failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        )


def _pinned_requirements(requirements: Path) -> list[str]:
    """The requirement lines, refusing anything not pinned with == (reproducibility)."""
    lines = []
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "==" not in line or line.startswith("-"):
            raise ValueError(f"{requirements.name}: not an exact pin: {line!r}")
        lines.append(line)
    return lines


def ensure_wheelhouse(requirements: Path = REQUIREMENTS, wheelhouse: Path = WHEELHOUSE) -> Path:
    """Fetch the pinned pure-Python wheels once; later builds install offline from here.

    The folder is keyed by the requirements' hash, so changing a pin fetches
    afresh and a stale wheel can never be picked up.
    """
    pins = _pinned_requirements(requirements)
    key = hashlib.sha256("\n".join(pins).encode()).hexdigest()[:16]
    target = wheelhouse / key
    done = target / ".complete"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    _run(
        [
            sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--implementation", "py", "--abi", "none",
            "--platform", "any", "--python-version", DEFAULT_TARGET_PYTHON,
            "-r", str(requirements), "-d", str(target),
        ]
    )  # fmt: skip
    done.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return target


def _install_dependencies(requirements: Path, wheels: Path, target: Path) -> None:
    """Install exactly the pinned wheels, no resolver, no index, no bytecode."""
    _run(
        [
            sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
            "--no-deps", "--no-index", "--find-links", str(wheels), "--no-compile",
            "--target", str(target), "-r", str(requirements),
        ]
    )  # fmt: skip


def _prune_dependencies(site: Path) -> None:
    """Drop what Lambda provides or never reads, keeping licences and METADATA."""
    for entry in list(site.iterdir()):
        top = entry.name.split("-", 1)[0].lower()
        if top in RUNTIME_PROVIDED or entry.name in {"bin", "__pycache__"}:
            _remove(entry)
    for info in site.glob("*.dist-info"):
        for name in _DIST_INFO_NOISE:
            (info / name).unlink(missing_ok=True)
    for cache in sorted(site.rglob("__pycache__"), reverse=True):
        _remove(cache)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _copy_skill_code(src: Path, dest: Path) -> None:
    """Copy lambda/ (handler and package, data files included), minus caches."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in _SKIP_NAMES for part in rel.parts) or path.suffix in {".pyc", ".pyo"}:
            continue
        if rel.name in {"requirements.txt"} and len(rel.parts) == 1:
            continue  # build input for the ASK CLI route, not code
        out = dest / rel
        if path.is_dir():
            out.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)


def _interpreter_version(exe: str) -> str | None:
    try:
        proc = subprocess.run(  # noqa: S603
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _candidates(version: str) -> Iterator[str]:
    explicit = os.environ.get("TARGET_PYTHON_EXE")
    if explicit:
        yield explicit
    yield sys.executable
    found = shutil.which(f"python{version}")
    if found:
        yield found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    yield from (
        str(p) for p in sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True)
    )


def find_target_interpreter(version: str) -> str | None:
    """An interpreter of exactly ``version`` (e.g. "3.13"), or None when there is none."""
    for exe in _candidates(version):
        if _interpreter_version(exe) == version:
            return exe
    return None


def _compile_bytecode(root: Path, interpreter: str) -> None:
    """Write unchecked-hash .pyc beside every .py, deterministic bytes, /var/task paths."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"}
    _run(
        [
            interpreter, "-m", "compileall", "-q", "-f", "-j", "1",
            "--invalidation-mode", "unchecked-hash",
            "-s", str(root), "-p", LAMBDA_TASK_ROOT, str(root),
        ],
        env=env,
    )  # fmt: skip


def _files(root: Path) -> list[tuple[str, Path]]:
    found = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
    return sorted(found)


def write_reproducible_zip(out: Path, entries: Iterable[tuple[str, Path]]) -> None:
    """Zip ``entries`` with fixed metadata so equal inputs give equal bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so Lambda honours the mode bits below
            info.external_attr = _FILE_MODE << 16
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(out)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_lambda_zip(
    out: Path = DIST / "lambda.zip",
    *,
    target_python: str | None = None,
    bytecode: bool = True,
    requirements: Path = REQUIREMENTS,
    lambda_src: Path = LAMBDA_DIR,
    wheelhouse: Path = WHEELHOUSE,
) -> LambdaBuild:
    """Build the Lambda deployment zip at ``out``.

    ``target_python`` defaults to $TARGET_PYTHON or 3.13; bytecode is added only
    when an interpreter of that version exists here (see the module docstring).
    """
    version = target_python or os.environ.get("TARGET_PYTHON") or DEFAULT_TARGET_PYTHON
    wheels = ensure_wheelhouse(requirements, wheelhouse)
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as tmp:
        stage = Path(tmp) / "task"
        stage.mkdir()
        _install_dependencies(requirements, wheels, stage)
        _prune_dependencies(stage)
        _copy_skill_code(lambda_src, stage)
        interpreter = find_target_interpreter(version) if bytecode else None
        if interpreter:
            _compile_bytecode(stage, interpreter)
        write_reproducible_zip(out, _files(stage))
    size = out.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise RuntimeError(f"{out} is {size} bytes, over the {MAX_ZIP_BYTES} byte budget")
    return LambdaBuild(out, _sha256(out), size, version if interpreter else None)
