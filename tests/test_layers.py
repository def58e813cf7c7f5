"""The import structure (scripts/layers.py): the project passes it, and it fails what it should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts import layers

ROOT = Path(__file__).resolve().parent.parent


def test_the_project_has_no_circle_no_unexplained_lazy_import_and_no_forbidden_arrow() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.layers"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("layers: ") and "no circle" in done.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_circle_hidden_by_a_lazy_import_and_a_needless_lazy_import_are_reported(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "fake/__init__.py": "",
            # a -> b at the top, b -> a inside a function: a circle, hidden.
            "fake/a.py": "from fake.b import helper\n",
            "fake/b.py": "def helper():\n    from fake.a import helper as again\n    return 1\n",
            # c imports d lazily though d imports nothing back: it should be a top-level import.
            "fake/c.py": "def use():\n    import fake.d\n    return fake.d\n",
            "fake/d.py": "VALUE = 1\n",
            # The same, with a reason given: allowed.
            "fake/e.py": "def use():\n    import fake.d  # lazy: heavy\n    return fake.d\n",
            # Type-only imports draw no arrow for circles.
            "fake/f.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fake.g\n",
            "fake/g.py": "import fake.f\n",
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "scripts.layers", "--root", str(tmp_path), "fake"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    found = done.stdout.splitlines()
    assert found == [
        "circle: fake.a -> fake.b -> fake.a; via fake/a.py:1, fake/b.py:2 (lazy)",
        "lazy: fake/c.py:2 imports fake.d inside a function; it breaks no circle: "
        "import it at the top, or say why with '# lazy: <reason>'",
    ]


def test_a_forbidden_arrow_and_a_long_module_are_reported(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "hub/__init__.py": "",
            "hub/models/__init__.py": "from hub.actions import thing\n",
            "hub/actions/__init__.py": "",
            "hub/actions/thing.py": "from workers import job\n" + "X = 1\n" * 401,
            "workers/__init__.py": "",
            "workers/job.py": "",
        },
    )
    findings, _summary = layers.check(tmp_path, ("hub", "workers"))
    assert {f.split(" (")[0] for f in findings if f.startswith("layer:")} == {
        "layer: hub/models/__init__.py:1 hub.models imports hub.actions.thing",
        "layer: hub/actions/thing.py:1 hub.actions.thing imports workers.job",
    }
    assert "size: hub/actions/thing.py has 402 lines (max 400)" in findings


def test_the_read_side_may_not_write_nor_emit(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "hub/__init__.py": "",
            "hub/actions/__init__.py": "",
            "hub/actions/context.py": "",
            "hub/actions/posts.py": "",
            "hub/actions/notify_mail.py": "",
            "hub/reads/__init__.py": "",
            # The Context is allowed; a write module is not.
            "hub/reads/good.py": "from hub.actions.context import Context\n",
            "hub/reads/writes.py": "from hub.actions import posts\n",
            # Emitting, and calling or importing a notify_*, are reported on the read side...
            "hub/reads/loud.py": (
                "from hub.actions.notify_mail import notify_people\n"
                "import hub.actions.notify_mail\n"
                "async def f(ctx):\n"
                "    ctx.emit(1)\n"
                "    await notify_people(ctx)\n"
            ),
            # ...and nowhere else.
            "hub/actions/ok.py": "def f(ctx):\n    ctx.emit(1)\n    notify_x()\n",
        },
    )
    findings, _summary = layers.check(tmp_path, ("hub",))
    assert sorted(f.split(" (")[0] for f in findings) == [
        "emits: hub/reads/loud.py:1 imports hub.actions.notify_mail, notify_people",
        "emits: hub/reads/loud.py:2 imports hub.actions.notify_mail",
        "emits: hub/reads/loud.py:4 calls .emit(",
        "emits: hub/reads/loud.py:5 calls notify_people",
        "layer: hub/reads/loud.py:1 hub.reads.loud imports hub.actions.notify_mail",
        "layer: hub/reads/loud.py:2 hub.reads.loud imports hub.actions.notify_mail",
        "layer: hub/reads/writes.py:1 hub.reads.writes imports hub.actions.posts",
    ]
