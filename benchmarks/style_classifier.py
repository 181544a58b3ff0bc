"""Train (or resume) the style classifier and print its held-out figures.

    python benchmarks/style_classifier.py --out runs/style_classifier --minutes 6

Prints the test split's accuracy over the four regions (per 32-step crop and per
tune, plain and balanced over the regions), the confusion matrix, and the dance
type accuracy of the fiddle tunes. The run folder keeps the model (``best.keras``)
for ``benchmarks/style_generation.py``.
"""

import argparse
import dataclasses
import json
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="run folder (resumed when it exists)")
    parser.add_argument("--steps", type=int, default=4000, help="optimisation steps")
    parser.add_argument("--minutes", type=float, default=8.0, help="training time limit")
    parser.add_argument("--group-power", type=float, default=0.0,
                        help="batch balance: 0 every region equally often, 1 as in the data")
    parser.add_argument("--smoke", action="store_true", help="tiny model, a few steps")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()

    from musiclab.data import SPLIT, load_corpus
    from musiclab.style import evaluate_style_classifier, labelled_tunes, train_style_classifier
    from musiclab.style.classifier import StyleClassifierConfig, load_style_classifier

    config = StyleClassifierConfig.smoke() if arguments.smoke else StyleClassifierConfig.default()
    config = dataclasses.replace(config, group_power=arguments.group_power)
    steps = 20 if arguments.smoke else arguments.steps
    splits = load_corpus("all").split(**SPLIT)
    data = {name: labelled_tunes(part, config.regions, config.dances, config.steps)
            for name, part in splits.items()}
    started = time.perf_counter()
    _, state = train_style_classifier(config, data["train"], data["valid"], steps=steps,
                                      folder=arguments.out,
                                      checkpoint_every=10 if arguments.smoke else 250,
                                      time_limit=arguments.minutes * 60)
    model = load_style_classifier(f"{arguments.out}/best.keras")
    figures = evaluate_style_classifier(model, *data["test"], steps=config.steps)
    figures.update(training_seconds=round(state["history"][-1]["seconds"]),
                   seconds_this_session=round(time.perf_counter() - started),
                   best_step=state.get("best_step"), steps_done=state["steps_done"],
                   device=state.get("device"), regions=list(config.regions),
                   dances=list(config.dances))
    print(f"\nstyle classifier, test split ({figures['tunes']} tunes, {figures['crops']} crops "
          f"of {config.steps} steps), trained {figures['training_seconds']} s "
          f"on {figures['device']}")
    for level in ("crop", "tune"):
        print(f"  regions, per {level}: accuracy {figures[f'{level}_accuracy']:.3f}, "
              f"balanced {figures[f'{level}_balanced_accuracy']:.3f}")
    print("  confusion (rows: true region, columns: predicted), per tune:")
    print("    " + " ".join(f"{name[:8]:>8}" for name in config.regions))
    for name, row in zip(config.regions, figures["confusion"]):
        print(f"    {' '.join(f'{value:8d}' for value in row)}   {name}")
    if "dance_tune_accuracy" in figures:
        print(f"  dance types ({', '.join(config.dances)}), per tune: accuracy "
              f"{figures['dance_tune_accuracy']:.3f}, balanced "
              f"{figures['dance_tune_balanced_accuracy']:.3f}")
    target = figures["tune_balanced_accuracy"]
    print(f"  target: balanced region accuracy >= 0.90: {target:.3f} "
          f"({'met' if target >= 0.90 else 'short'})")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
