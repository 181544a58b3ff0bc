"""The piano-roll GAN's metrics, real vs generated, for a training run (or a fresh one).

    python benchmarks/gan_metrics.py runs/gan                  # score a run's best.keras
    python benchmarks/gan_metrics.py runs/gan --train-minutes 30 --steps 8000

Trains first when asked (``musiclab.gan.train_gan``, resuming a run already in the
folder), then generates phrases from the best checkpoint and prints the metrics table
against the held-out test phrases, whether QN, UPC and EB are within 20% of the real
figures, and the collapse check.
"""

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the run's folder")
    parser.add_argument("--train-minutes", type=float, default=0.0,
                        help="train (or resume) for this long first")
    parser.add_argument("--steps", type=int, default=8000, help="generator updates at most")
    parser.add_argument("--count", type=int, default=256, help="phrases generated")
    parser.add_argument("--checkpoint", default="best.keras", help="which checkpoint to score")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    arguments = parser.parse_args(argv)

    from musiclab import gan, metrics
    from musiclab.gan.model import GANConfig, load_gan
    from musiclab.nn.config import config_of

    phrases = gan.chorale_phrases()
    folder = Path(arguments.run)
    if arguments.train_minutes > 0:
        config = GANConfig.from_json((folder / "config.json").read_text()) \
            if (folder / "config.json").exists() else GANConfig.default()
        gan.train_gan(config, phrases["train"], phrases["valid"], steps=arguments.steps,
                      folder=folder, time_limit=arguments.train_minutes * 60)
    state = json.loads((folder / "state.json").read_text())
    model = load_gan(folder / arguments.checkpoint)
    config = config_of(model)
    started = time.perf_counter()
    generated = gan.generate(model, count=arguments.count, seed=1)
    seconds = time.perf_counter() - started
    rows = metrics.compare(phrases["test"], generated)
    print(metrics.format_table(rows))
    table = {row["metric"].split()[0]: row for row in rows}
    within = {}
    for name in ("QN", "UPC", "EB"):
        real, made = table[name]["real"], table[name]["generated"]
        gap = abs(made - real) / abs(real) if abs(real) > 1e-9 else abs(made - real)
        within[name] = {"real": round(real, 3), "generated": round(made, 3),
                        "gap": round(gap, 3), "within_20_percent": bool(gap <= 0.2)}
    collapse = metrics.collapse_warning(generated, phrases["test"])
    history = state["history"]
    best = next(entry for entry in history if entry["step"] == state.get("best_step"))
    result = {"checkpoint": arguments.checkpoint, "best_step": state.get("best_step"),
              "steps_done": state["steps_done"],
              "training_seconds": round(history[-1]["seconds"]),
              "best_step_seconds": round(best["seconds"]), "device": state["device"],
              "targets": within, "collapse": collapse,
              "generate_seconds_per_phrase": round(seconds / arguments.count, 4)}
    print(json.dumps(result, indent=1))
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
