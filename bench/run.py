"""Benchmarks: `make bench` (BENCH_ARGS are passed on), or `python bench/run.py [names] [options]`.

Each benchmark is a module `bench/<name>.py` with `add_arguments(parser)` and `run(options)`;
add a name to BENCHES to run it by default. Both read one city data set (`bench/dataset.py`),
built once per database in a database of its own (never the development one): SQLite always,
PostgreSQL too when DATABASE_URL is set; a run leaves it unchanged.
"""

import argparse
import importlib
import sys
from pathlib import Path

BENCHES = ["pages", "scoring", "supervise", "search", "cluster"]

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=BENCHES, help=f"default: {' '.join(BENCHES)}")
    modules = {}
    for name in BENCHES:
        modules[name] = importlib.import_module(name)
        modules[name].add_arguments(parser.add_argument_group(name))
    options = parser.parse_args(argv)
    for name in options.names:
        module = modules.get(name) or importlib.import_module(name)
        module.run(options)


if __name__ == "__main__":
    main(sys.argv[1:])
