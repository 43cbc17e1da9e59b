"""Run every benchmark: ``python -m bench`` (or ``python -m bench NAME`` for one, e.g. ``rules``).

Each ``bench/bench_<name>.py`` has a ``main()`` that prints its figures and, beside them, a
baseline measured in the same run with the ratio between the two.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> None:
    wanted = set(sys.argv[1:])
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"=== bench {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"=== bench {name} finished in {time.perf_counter() - started:.1f}s\n", flush=True)


if __name__ == "__main__":
    main()
