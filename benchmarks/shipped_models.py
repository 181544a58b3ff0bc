"""The shipped models: size on disk and the time to load each one, in a fresh process.

    python benchmarks/shipped_models.py [--repeats 3]

For each model of ``musiclab models list``, a new Python process imports Keras (not timed)
and then times ``musiclab.nn.load_shipped(name)``, the safe-mode load of its file with
every check; the table gives the median over ``--repeats`` processes and the total size
against the 30 MB budget.
"""

import argparse
import json
import statistics
import subprocess
import sys

from musiclab import shipped

PROBE = """
import json, sys, time
import keras  # imported before the clock starts: every model pays it once per process
from musiclab.nn import load_shipped
started = time.perf_counter()
load_shipped(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    print("| model | family | MB | load (s), median of "
          f"{arguments.repeats} fresh processes |\n| --- | --- | --- | --- |")
    total = 0
    for row in shipped.table():
        times = []
        for _ in range(arguments.repeats):
            result = subprocess.run([sys.executable, "-c", PROBE, row["name"]],
                                    capture_output=True, text=True, check=True)
            times.append(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])
        size = shipped.card(row["name"])["size_bytes"]
        total += size
        print(f"| {row['name']} | {row['family']} | {size / 1e6:.1f} | "
              f"{statistics.median(times):.2f} |")
    print(f"\n{len(shipped.names())} models, {total / 1e6:.1f} MB in all (budget 30 MB)")


if __name__ == "__main__":
    main()
