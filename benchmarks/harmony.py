"""Melody with harmony: train (or resume) the four-voice model and print each task's figures.

    python benchmarks/harmony.py --out runs/harmony --minutes 5

Prints the held-out loss (nats per step) and accuracy of every voice on the test
chorales' 4-bar windows, and how long writing a 4-bar chorale and harmonising a
4-bar melody take.
"""

import argparse
import json
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="run folder (resumed when it exists)")
    parser.add_argument("--steps", type=int, default=20000, help="optimisation steps")
    parser.add_argument("--minutes", type=float, default=5.0, help="training time limit")
    parser.add_argument("--smoke", action="store_true", help="tiny model, a few steps")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()

    from musiclab.harmony import (
        chorale_grids,
        generate_chorale,
        harmonize,
        task_scores,
        train_harmony,
    )
    from musiclab.harmony.model import VOICES, HarmonyConfig, load_harmony_model

    config = HarmonyConfig.smoke() if arguments.smoke else HarmonyConfig.default()
    grids = chorale_grids(bars=4)
    _, state = train_harmony(config, grids["train"], grids["valid"],
                             steps=20 if arguments.smoke else arguments.steps,
                             folder=arguments.out,
                             checkpoint_every=10 if arguments.smoke else 250,
                             time_limit=arguments.minutes * 60)
    model = load_harmony_model(f"{arguments.out}/best.keras")
    scores = task_scores(model, grids["test"])
    started = time.perf_counter()
    generate_chorale(model, count=1, steps=64, temperature=0.8, seed=0)
    chorale_seconds = time.perf_counter() - started
    started = time.perf_counter()
    harmonize(model, grids["test"][0][:, 0], temperature=0.8, seed=0)
    harmonize_seconds = time.perf_counter() - started
    figures = {"test_windows": int(len(grids["test"])), "scores": scores,
               "training_seconds": round(state["history"][-1]["seconds"]),
               "steps_done": state["steps_done"], "best_step": state.get("best_step"),
               "device": state.get("device"), "chorale_seconds": round(chorale_seconds, 2),
               "harmonize_seconds": round(harmonize_seconds, 2)}
    print(f"\nmelody with harmony: {figures['steps_done']} steps in "
          f"{figures['training_seconds']} s on {figures['device']}; test: "
          f"{figures['test_windows']} windows of 4 bars")
    for name in VOICES:
        print(f"  {name:8s} loss {scores[f'{name}_loss']:.3f} nats/step, "
              f"accuracy {scores[f'{name}_accuracy']:.3f}")
    print(f"  a 4-bar chorale in {chorale_seconds:.2f} s; a 4-bar melody harmonised in "
          f"{harmonize_seconds:.2f} s")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
