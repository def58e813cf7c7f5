"""python -m bench [--requests N] [--concurrency C] [--database-url URL]: the board benchmark."""

from __future__ import annotations

import argparse

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
    args = parser.parse_args()
    print(run(args.requests, args.concurrency, args.database_url), flush=True)


if __name__ == "__main__":
    main()
