"""Feedback that steers generation, measured with a simulated listener of known taste.

    python benchmarks/feedback.py --out runs/feedback [--style irish] [--seeds 5]
        [--candidates 400] [--smoke]

The listener likes stepwise motion and one style (``musiclab.evaluation.feedback.
SimulatedListener``: taste = (share of steps + the style classifier's probability of the
style) / 2, thumbs drawn from it). After 20, 50 and 100 ratings of the shipped 2-bar VAE's
prior samples, it compares on fresh held-out samples: the reranker's top 10, 10 samples
steered along the preference direction, 10 unranked samples (the expected taste of any 10)
and the ceiling (the 10 the listener likes best). Prints the table and writes
``feedback.json`` (with the learning curve's rows) into ``--out``.
"""

import argparse
import json
import os
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for feedback.json")
    parser.add_argument("--style", default="irish", help="the style the listener likes")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=400, help="fresh samples to rank")
    parser.add_argument("--smoke", action="store_true", help="one seed, 100 candidates")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.seeds, arguments.candidates = 1, 100
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras
    import numpy as np

    from musiclab.evaluation import feedback
    from musiclab.files import atomic_write_text
    from musiclab.nn import config_of, load_shipped

    started = time.perf_counter()
    vae, judge = load_shipped("melody_vae_2bar"), load_shipped("style_classifier")
    listener = feedback.SimulatedListener(judge, style=arguments.style)
    latent_dim = config_of(vae).latent_dim
    listener.calibrate(feedback.decode(vae, np.random.default_rng(99).standard_normal(
        (500, latent_dim)).astype(np.float32), temperature=1.0, seed=99))
    rows = feedback.learning_curve(vae, judge, listener, sizes=(20, 50, 100),
                                   candidates=arguments.candidates, seeds=arguments.seeds)
    table = feedback.summarise_curve(rows)
    print(f"listener: likes steps and {arguments.style}; threshold {listener.threshold:.3f}")
    print(f"{'ratings':>7} {'unranked':>9} {'reranked':>9} {'steered':>8} {'ceiling':>8}")
    for size, row in table.items():
        print(f"{size:>7} {row['unranked']:>9.3f} {row['reranked']:>9.3f} "
              f"{row['steered']:>8.3f} {row['best']:>8.3f}")
    report = {"model": "melody_vae_2bar (shipped), reranker on style_classifier embeddings",
              "listener": {"style": arguments.style, "threshold": listener.threshold,
                           "sharpness": listener.sharpness},
              "seeds": arguments.seeds, "candidates": arguments.candidates, "top": 10,
              "backend": keras.backend.backend(),
              "seconds": round(time.perf_counter() - started, 1),
              "command": f"python benchmarks/feedback.py --style {arguments.style} "
                         f"--seeds {arguments.seeds} --candidates {arguments.candidates}",
              "table": {str(size): row for size, row in table.items()}, "rows": rows}
    atomic_write_text(Path(arguments.out) / "feedback.json", json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
