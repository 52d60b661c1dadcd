"""Run the benchmarks named on the command line (default: all) and print their figures."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import time

from bench import MODULES


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.ERROR)
    names = argv or list(MODULES)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
        for line in asyncio.run(module.run()):
            print(f"   {line}")
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 0


raise SystemExit(main(sys.argv[1:]))
