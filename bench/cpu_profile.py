"""python -m bench.cpu_profile OUT.prof [-m] MODULE [ARGS...]: run a module under cProfile
timed by the process' CPU clock, not the wall clock, and write the stats to OUT.prof at its end.

For an asyncio server the cumulative times mean little (a coroutine's await is not its CPU),
but each function's own time is the CPU it used: `python -m bench.cpu_profile --summary OUT.prof`
sums it by package (hub, SQLAlchemy, asyncpg, Starlette, uvicorn, redis, ...).
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import time
from collections import Counter

PACKAGES = (
    "sqlalchemy", "sqlmodel", "asyncpg", "aiosqlite", "starlette", "uvicorn", "httptools",
    "redis", "pydantic", "jinja2", "arq", "asyncio", "json", "logging",
)  # fmt: skip


def summary(path: str, top: int = 25) -> str:
    stats = pstats.Stats(path)
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for (filename, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        package = next((p for p in PACKAGES if f"/{p}/" in filename), "")
        if not package:
            package = "hub" if "/hub/" in filename else "other"
        by_package[package] += own
        by_function[f"{filename.rsplit('/', 2)[-2:]}:{line} {name}"] += own
    total = sum(by_package.values()) or 1.0
    lines = [f"CPU seconds in all: {total:.1f}", "by package:"]
    lines += [f"  {p:<12}{s:>8.1f} s {s / total:>6.1%}" for p, s in by_package.most_common()]
    lines.append(f"top {top} functions by own CPU:")
    lines += [f"  {s:>7.2f} s  {f}" for f, s in by_function.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1] == "--summary":
        print(summary(sys.argv[2]))
        return
    out, module, *args = sys.argv[1:]
    if module == "-m":  # as in `python -m MODULE`
        module, *args = args
    sys.argv = [module, *args]
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.runcall(runpy.run_module, module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
