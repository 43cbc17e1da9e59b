#!/usr/bin/env python3
"""Bootstrap for the two Quick-start commands; needs nothing but Python 3.11.

    python3 dev.py up     create/refresh .venv, then start Parley (Temporal, worker, web, demo data)
    python3 dev.py test   create/refresh .venv, then ruff, mypy and the whole pytest suite

Only the standard library is used here, because this file runs before the virtualenv exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".parley-installed"
CHROMIUM = Path("/usr/bin/chromium")
POSTGRES_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _run(cmd: list[str], **kwargs: object) -> None:
    result = subprocess.run(cmd, cwd=ROOT, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    """Create .venv and install the project when pyproject.toml changed since the last install."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Parley needs Python 3.11 (this is {sys.version.split()[0]}); run: python3.11 dev.py ...")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "parley").exists():
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        _run([sys.executable, "-m", "venv", str(VENV)])
    print("dev.py: installing Parley and its dependencies into .venv", flush=True)
    _run([str(BIN / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    _run([str(BIN / "python"), "-m", "pip", "install", "-q", "-e", ".[dev]"])
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The browser tests drive Debian's chromium; Playwright cannot download its own build here."""
    if CHROMIUM.exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print("dev.py: /usr/bin/chromium is missing; install Debian's 'chromium' package", flush=True)
        return
    print("dev.py: installing chromium with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-qq"], env=env)
    _run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, stdout=subprocess.DEVNULL)


def postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test(extra: list[str]) -> None:
    ensure_venv()
    ensure_chromium()
    env = dict(os.environ)
    if "PARLEY_TEST_POSTGRES_URL" not in env and postgres_answers():
        env["PARLEY_TEST_POSTGRES_URL"] = POSTGRES_TEST_URL
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    print("dev.py: ruff", flush=True)
    _run([str(BIN / "ruff"), "check", "."], env=env)
    print("dev.py: mypy", flush=True)
    _run([str(BIN / "mypy"), "."], env=env)
    print("dev.py: pytest", flush=True)
    # Two test processes, a file each at a time (a file's fixtures stay together): most of the
    # suite waits on second-scale timers of real servers, so two share the 2 cores well.
    parallel = [] if extra else ["-n", "2", "--dist", "loadfile"]
    _run([str(BIN / "pytest"), *parallel, *extra], env=env)


def up(extra: list[str]) -> None:
    ensure_venv()
    os.chdir(ROOT)  # var/ and rulebooks/ are found relative to the checkout
    os.execv(str(BIN / "parley"), [str(BIN / "parley"), "up", *extra])


def main() -> None:
    commands = {"up": up, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit("usage: python3 dev.py up|test [args...]")
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
