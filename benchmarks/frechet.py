"""The Frechet distance on style-classifier embeddings: a sanity table.

    python benchmarks/frechet.py --out runs/frechet [--count 2000] [--resamples 200] [--smoke]

Distances to held-out real melodies (2-bar windows of the test split) of: real training
windows, the same test windows with their pitches shuffled (rhythm kept) and with their steps
shuffled, and samples of each shipped melody model (the 2-bar VAE's prior, the style WaveNet
over its styles, the Transformer), all at the same number of melodies, each with a 95%
bootstrap interval. Prints the table and writes ``frechet.json`` into ``--out``.
"""

import argparse
import json
import os
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for frechet.json")
    parser.add_argument("--count", type=int, default=2000, help="melodies per set")
    parser.add_argument("--resamples", type=int, default=200, help="bootstrap resamples")
    parser.add_argument("--smoke", action="store_true", help="200 melodies, 20 resamples")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.count, arguments.resamples = 200, 20
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras

    from musiclab.evaluation.frechet import sanity_table
    from musiclab.files import atomic_write_text
    from musiclab.nn import load_shipped

    started = time.perf_counter()
    rows = sanity_table(load_shipped("style_classifier"), count=arguments.count,
                        resamples=arguments.resamples,
                        progress=lambda name: print(f"sampling {name}...", flush=True))
    print(f"{'set':34} {'distance':>9} {'95% interval':>16}")
    for row in rows:
        print(f"{row['set']:34} {row['distance']:>9.4f} "
              f"{row['low']:>7.4f} - {row['high']:<7.4f}")
    report = {"embedding": "style_classifier features (shipped), unit length",
              "count": arguments.count,
              "reference": "2-bar windows of the test split", "resamples": arguments.resamples,
              "backend": keras.backend.backend(),
              "seconds": round(time.perf_counter() - started, 1),
              "command": f"python benchmarks/frechet.py --count {arguments.count} "
                         f"--resamples {arguments.resamples}",
              "rows": rows}
    atomic_write_text(Path(arguments.out) / "frechet.json", json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
