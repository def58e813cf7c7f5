"""python -m bench [--requests N] [--concurrency C] [--database-url URL] [--processes N|auto]:
the board benchmark."""

from __future__ import annotations

import argparse
import os

from bench.board import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per page")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database of the benchmark's own (emptied!); default: SQLite",
    )
    parser.add_argument(
        "--processes",
        default="1",
        help="serving processes of each server: a number, or auto (one per core)",
    )
    args = parser.parse_args()
    auto = args.processes in ("auto", "0")
    processes = len(os.sched_getaffinity(0)) if auto else int(args.processes)
    print(run(args.requests, args.concurrency, args.database_url, processes), flush=True)


if __name__ == "__main__":
    main()
