"""The wheel is the whole hub: built, installed outside the checkout, it migrates, seeds and serves.

`pip install .` once gave a `hub` whose `migrate` failed, because templates, static files,
migrations and alembic.ini were found beside the source tree. Here the wheel is built from a
copy of the checkout, must hold every file of the packages (less the few development-only ones
named below), and is installed into a new virtualenv in a temporary directory. The hub's
dependencies come from the test environment's site-packages through a .pth file (fast, and no
network), which adds that directory to sys.path without running its .pth files, so the
editable install of the checkout stays out. `hub migrate`, `hub seed` and `hub serve`, run from
an empty directory, must then work, and the pages, catalogs and static files served must be the
wheel's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.i18n import gettext
from tests.live import free_port, wait_until_ready

CHECKOUT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "realtime", "workers")
# In the source tree for the developers' tools, not needed by an installed hub.
DEVELOPMENT_ONLY = {"hub/i18n/messages.pot"}
NOT_SOURCE = {".git", "build", "dist", "var", "__pycache__", "node_modules"}


@dataclass
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path


def _not_source(directory: str, names: list[str]) -> set[str]:
    """What a copy of the checkout leaves out: VCS data, build output, caches, virtualenvs."""
    return {
        name
        for name in names
        if name in NOT_SOURCE
        or name.endswith((".egg-info", "_cache", ".pyc"))
        or (Path(directory, name) / "pyvenv.cfg").exists()
    }


def _run(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, check=False, **kwargs
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def _package_files(root: Path) -> set[str]:
    """Every file of the packages in `root`, as a wheel names it."""
    return {
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*")
        if path.is_file() and not _not_source(str(path.parent), [path.name])
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    # A copy of the checkout, so the build leaves no build/ behind and a stale one adds nothing.
    source = tmp_path_factory.mktemp("source") / "hub"
    shutil.copytree(CHECKOUT, source, ignore=_not_source)
    wheels = tmp_path_factory.mktemp("wheels")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source, env=env)
    (wheel,) = wheels.glob("hub-*.whl")

    venv = tmp_path_factory.mktemp("elsewhere") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    # Installed before the .pth below, so pip sees no hub installed yet.
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run(python, "-c", where).stdout.strip())
    ours = sysconfig.get_paths()
    (site_packages / "hub-test-dependencies.pth").write_text(
        "\n".join(dict.fromkeys([ours["purelib"], ours["platlib"]])) + "\n"
    )
    return Installed(wheel=wheel, venv=venv, site_packages=site_packages)


def test_the_wheel_holds_every_file_the_hub_needs(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        shipped = {name for name in archive.namelist() if not name.startswith("hub-")}
    wanted = _package_files(CHECKOUT) - DEVELOPMENT_ONLY
    for kind in ("templates/", "static/", "migrations/versions/", "data/", "locale/"):
        assert any(kind in name for name in wanted), f"the checkout has no {kind}"
    assert "hub/alembic.ini" in wanted
    assert sorted(wanted - shipped) == []
    assert sorted(shipped - wanted) == []


def test_the_installed_hub_is_the_wheel(installed: Installed, tmp_path: Path) -> None:
    found = _run(
        installed.venv / "bin" / "python",
        "-c",
        "import json, sys, hub, realtime, workers, hub.web.templating as t,"
        " hub.plumbing.migrate as m;"
        "print(json.dumps({'modules': [hub.__file__, realtime.__file__, workers.__file__,"
        " str(t.TEMPLATES_DIR), str(t.STATIC_DIR), str(m.ROOT)], 'path': sys.path}))",
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    )
    where = json.loads(found.stdout)
    for module in where["modules"]:
        assert Path(module).is_relative_to(installed.site_packages), module
    # No other directory on sys.path (the checkout, say) could provide a package instead.
    for package in PACKAGES:
        providers = [
            (tmp_path / entry).resolve()
            for entry in where["path"]
            if (tmp_path / entry / package / "__init__.py").exists()
        ]
        assert providers == [installed.site_packages.resolve()], package


def _clean_env(data_dir: Path, **variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUB_", "PYTHON", "VIRTUAL_ENV")) and k != "PATH"
    }
    return {
        **env,
        "PATH": "/usr/bin:/bin",
        "HUB_DATA_DIR": str(data_dir),
        "HUB_LOG_FORMAT": "text",
        **variables,
    }


@pytest.fixture(scope="module")
def served(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`hub migrate`, `hub seed` and `hub serve`, run from an empty directory."""
    cwd = tmp_path_factory.mktemp("anywhere")
    hub = installed.venv / "bin" / "hub"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_env(cwd / "data", HUB_BASE_URL=url)
    migrated = _run(hub, "migrate", cwd=cwd, env=env)
    assert "schema is up to date" in migrated.stderr
    seeded = _run(hub, "seed", cwd=cwd, env=env)
    assert "seed loaded" in seeded.stdout and "nothing new" not in seeded.stdout, seeded.stdout
    log = cwd / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [hub, "serve", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(url, process, log)
        yield url
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
    assert "Traceback" not in log.read_text()


def test_the_installed_hub_serves_pages_and_static_files(served: str) -> None:
    assert httpx.get(f"{served}/readyz", timeout=10).status_code == 200
    page = httpx.get(f"{served}/signin", timeout=10)
    assert page.status_code == 200
    # Rendered from the wheel's templates, in Serbian Latin from the wheel's catalogs.
    assert gettext("sr-Latn", "Skip to content") != "Skip to content"
    assert gettext("sr-Latn", "Skip to content") in page.text
    static = CHECKOUT / "hub" / "static"
    files = sorted(path for path in static.rglob("*") if path.is_file())
    assert files
    for path in files:
        href = f"/static/{path.relative_to(static).as_posix()}"
        answer = httpx.get(f"{served}{href}", timeout=10)
        assert answer.status_code == 200, href
        assert answer.content == path.read_bytes(), href
    assert '/static/css/hub.css"' in page.text
