"""Which augmentations help: one model, the same held-out tunes, each augmentation alone.

    python benchmarks/augmentation.py --out runs/augmentation [--windows 2000] [--steps 1500]
        [--seeds 3] [--smoke]

Trains the minimal WaveNet (``musiclab.wavenet.minimal``, 4 layers, kernels 5, 5, 3, 3) for
the same number of batches on ``--windows`` training windows (a small collection, where
augmentation matters), once without augmentation and once with each augmentation of
``musiclab.data.augment`` switched on alone, and prints the next-token NLL (nats per step) on
every test window of the project's split (never augmented), mean and spread over seeds, and
the change from no augmentation. Writes ``augmentation.json`` into ``--out``.
"""

import argparse
import json
import os
import time
from pathlib import Path

VARIANTS = {
    "none": {},
    "duplicate x2": {"duplicate": 2},
    "transpose -5..+6": {"transpose": range(-5, 7)},
    "stretch x0.5, x2": {"stretch": (0.5, 2.0)},
    "invert": {"invert": True},
    "retrograde": {"retrograde": True},
    "medley (+100%)": {"medley": 1.0},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for augmentation.json")
    parser.add_argument("--windows", type=int, default=2000, help="training windows used")
    parser.add_argument("--steps", type=int, default=1500, help="batches of 32 per run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a few steps, one seed")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.steps, arguments.seeds, arguments.windows = 20, 1, 300
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras
    import numpy as np

    from musiclab.data.augment import augment
    from musiclab.data.splits import corpus_windows
    from musiclab.files import atomic_write_text
    from musiclab.wavenet import minimal

    windows = corpus_windows("all")
    test = windows["test"]
    rows = []
    for name, settings in VARIANTS.items():
        results, sizes, started = [], [], time.perf_counter()
        for seed in range(arguments.seeds):
            rng = np.random.default_rng(seed)
            subset = windows["train"][rng.choice(len(windows["train"]), arguments.windows,
                                                 replace=False)]
            train = augment(subset, seed=seed, **settings)
            keras.utils.set_random_seed(seed)
            model = minimal.wavenet(filter_sizes=[5, 5, 3, 3], num_layers=4)
            minimal.train_wavenet(model, train, num_steps=arguments.steps, seed=seed)
            results.append(minimal.negative_log_likelihood(model, test))
            sizes.append(len(train))
        rows.append({"augmentation": name, "training_windows": int(np.mean(sizes)),
                     "held_out_nll": float(np.mean(results)),
                     "spread": float(np.std(results)), "runs": results,
                     "seconds": time.perf_counter() - started})
        print(f"{name:20} {rows[-1]['training_windows']:>7} windows  "
              f"NLL {rows[-1]['held_out_nll']:.4f} +- {rows[-1]['spread']:.4f}", flush=True)
    baseline = rows[0]["held_out_nll"]
    print(f"\n{'augmentation':20} {'windows':>8} {'held-out NLL':>13} {'change':>8} {'%':>7}")
    for row in rows:
        row["change"] = row["held_out_nll"] - baseline
        print(f"{row['augmentation']:20} {row['training_windows']:>8} "
              f"{row['held_out_nll']:>8.4f} +-{row['spread']:.3f} {row['change']:>+8.4f} "
              f"{100 * row['change'] / baseline:>+6.1f}%")
    folder = Path(arguments.out)
    report = {"model": "musiclab.wavenet.minimal, filter_sizes [5, 5, 3, 3]",
              "training_windows": arguments.windows, "steps": arguments.steps,
              "batch_size": 32, "seeds": arguments.seeds, "test_windows": len(test),
              "backend": keras.backend.backend(),
              "command": "python benchmarks/augmentation.py " + " ".join(
                  f"--{key} {value}" for key, value in (("windows", arguments.windows),
                                                        ("steps", arguments.steps),
                                                        ("seeds", arguments.seeds))),
              "rows": rows}
    atomic_write_text(folder / "augmentation.json", json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
