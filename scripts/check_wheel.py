#!/usr/bin/env python3
"""Build the wheel, install it in a clean virtualenv and serve the app from it: fails on a
wheel that lacks what the app reads at run time (templates, static files, migrations and the
migration template). Usage: .venv/bin/python scripts/check_wheel.py [--keep]

Steps: copy the checkout's files (tracked and untracked, not ignored) to a scratch folder, so
no stale build/ leaks in; `pip wheel` it; check that every non-Python file under a packaged
folder is in the wheel (*.md docs excepted); install the wheel with its production extra in a
new virtualenv; from a folder outside the checkout, `flask db upgrade` a new SQLite database,
generate a migration from the installed template, start gunicorn as README says, and fetch
the home page, the API docs, the OpenAPI document and the dashboard's login page, and every
local stylesheet, script and image they link to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each page and a piece of it that only the project's own template has (flask-smorest would
# fall back to its own swagger_ui.html, whose inline script the CSP blocks).
PAGES = {"/": "<h1>Dandelion</h1>", "/api/v1/docs": "<script nonce=", "/dashboard/login": "<form"}
LINK = re.compile(r"""(?:href|src)=["'](/[^"'#?]*)""")


def run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        sys.exit(f"check_wheel: {' '.join(map(str, cmd))} failed\n{done.stdout}{done.stderr}")
    return done.stdout


def copy_checkout(dest: Path) -> list[str]:
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    files = [f for f in listed.split("\0") if f and (ROOT / f).is_file()]
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    return files


def missing_from_wheel(wheel: Path, files: list[str]) -> list[str]:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    packaged = {name.split("/")[0] for name in shipped if "/" in name}
    return [
        f
        for f in files
        if "/" in f
        and f.split("/")[0] in packaged
        and not f.endswith((".py", ".md"))
        and f not in shipped
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def serve_and_fetch(venv: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """Start gunicorn from the installed package; answer the problems found."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (cwd / "gunicorn.log").open("w+")
    # gunicorn's control socket lives in $XDG_RUNTIME_DIR or $HOME: this scratch folder, not
    # the one a gunicorn of the test suite running beside this check uses.
    server = subprocess.Popen(
        [str(venv / "bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=cwd,
        env=env | {"HOME": str(cwd), "XDG_RUNTIME_DIR": str(cwd)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    problems: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                log.seek(0)
                return [f"gunicorn exited:\n{log.read()}"]
            try:
                status, _, body = fetch(base + "/api/v1/openapi.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    return ["gunicorn did not answer within 120 s"]
                time.sleep(0.3)
        if status != 200 or "paths" not in json.loads(body):
            problems.append(f"/api/v1/openapi.json answered {status}")
        linked: set[str] = set()
        for page, mark in PAGES.items():
            status, kind, body = fetch(base + page)
            if status != 200 or kind != "text/html":
                problems.append(f"{page} answered {status} {kind}: {body[:300]!r}")
                continue
            if mark not in body.decode():
                problems.append(f"{page} is not the project's template (no {mark!r})")
            links = set(LINK.findall(body.decode()))
            if not any("/static/" in link for link in links):
                problems.append(f"{page} links no static file")
            linked |= {link for link in links if Path(link).suffix}
        for link in sorted(linked):
            status, _, _ = fetch(base + link)
            if status != 200:
                problems.append(f"{link} answered {status}")
        print(f"check_wheel: served {', '.join(PAGES)} and {len(linked)} linked files")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    return problems


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dandelion-wheel-"))
    src, dist, venv, here = work / "src", work / "dist", work / "venv", work / "run"
    for d in (src, dist, here):
        d.mkdir()
    files = copy_checkout(src)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src)
    (wheel,) = dist.glob("*.whl")
    missing = missing_from_wheel(wheel, files)
    if missing:
        sys.exit("check_wheel: the wheel lacks " + ", ".join(missing))

    base_python = getattr(sys, "_base_executable", sys.executable)
    run(base_python, "-m", "venv", venv)
    run(venv / "bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
        f"{wheel}[production]")  # fmt: skip

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TEST_"))}
    env.pop("REDIS_URL", None)
    env |= {
        "DANDELION_ENV": "production",
        "SECRET_KEY": "wheel-check-" + "s" * 32,
        "DATABASE_URL": f"sqlite:///{here / 'wheel.sqlite'}",
    }
    where = run(venv / "bin/python", "-c", "import app; print(app.__file__)", cwd=here, env=env)
    if not where.startswith(str(venv)):
        sys.exit(f"check_wheel: app imported from {where.strip()}, not from the wheel")
    run(venv / "bin/flask", "--app", "app", "db", "upgrade", cwd=here, env=env)
    # The installed migration template renders a new revision (in a copy of the folder).
    revision = (
        "import shutil, sys, migrations, pathlib; from alembic import command; "
        "from cli import alembic_config; "
        "d = shutil.copytree(pathlib.Path(migrations.__file__).parent, sys.argv[1]); "
        "cfg = alembic_config(sys.argv[2]); cfg.set_main_option('script_location', d); "
        "command.revision(cfg, message='wheel check', rev_id='wheelcheck')"
    )
    run(venv / "bin/python", "-c", revision, here / "migrations", env["DATABASE_URL"],
        cwd=here, env=env)  # fmt: skip
    if not list((here / "migrations/versions").glob("wheelcheck_*.py")):
        sys.exit("check_wheel: the installed migration template made no revision")

    problems = serve_and_fetch(venv, here, env)
    if problems:
        sys.exit("check_wheel: the installed app failed:\n  " + "\n  ".join(problems))
    print(f"check_wheel: {wheel.name} installs, migrates and serves")
    if "--keep" in sys.argv:
        print(f"check_wheel: kept {work}")
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
