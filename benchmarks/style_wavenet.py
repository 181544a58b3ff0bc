"""Train (or resume) a style-conditioned WaveNet and judge its tunes with the style classifier.

    python benchmarks/style_wavenet.py --classifier runs/style_classifier/best.keras \\
        --out runs/style_wavenet --minutes 12

The WaveNet is globally conditioned on each tune's region. For every region it
samples ``--per-style`` tunes of ``--bars`` bars from nothing, and the classifier
judges each tune as it judges held-out tunes for its own accuracy: by the mean
log-probability of the tune's consecutive 2-bar crops. Printed per region and
temperature, next to the same judge on the first ``--bars`` bars of real held-out
tunes (the ceiling the judge allows) and the rate per 2-bar crop.
"""

import argparse
import json
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", required=True, help="a style classifier (.keras)")
    parser.add_argument("--out", required=True, help="run folder of the WaveNet")
    parser.add_argument("--steps", type=int, default=20000, help="optimisation steps")
    parser.add_argument("--minutes", type=float, default=12.0, help="training time limit")
    parser.add_argument("--per-style", type=int, default=50, help="tunes per region")
    parser.add_argument("--bars", type=int, default=8, help="length of each tune in bars")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.8],
                        help="sampling temperatures to judge")
    parser.add_argument("--smoke", action="store_true", help="tiny model, a few steps")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()
    if arguments.per_style < 1 or arguments.bars < 2 or arguments.minutes <= 0:
        parser.error("--per-style must be >= 1, --bars >= 2 and --minutes > 0")

    from musiclab.data import corpus_pieces
    from musiclab.style import recognition_rates
    from musiclab.style.classifier import classifier_config, load_style_classifier
    from musiclab.wavenet.model import WaveNetConfig, load_wavenet
    from musiclab.wavenet.sample import generate
    from musiclab.wavenet.training import train_wavenet

    classifier = load_style_classifier(arguments.classifier)
    judge = classifier_config(arguments.classifier)
    regions, crop = judge.regions, judge.steps
    pieces, labels, styles = corpus_pieces("all", "melody", styles=True)
    missing = sorted(set(regions) - set(styles))
    if missing:
        raise SystemExit(f"style_wavenet: the corpus has no tunes of {missing}")
    config = (WaveNetConfig.smoke if arguments.smoke else WaveNetConfig.default)("melody", styles)
    started = time.perf_counter()
    _, state = train_wavenet(config, pieces["train"], pieces["valid"],
                             steps=20 if arguments.smoke else arguments.steps,
                             folder=arguments.out,
                             train_labels=labels["train"], valid_labels=labels["valid"],
                             checkpoint_every=10 if arguments.smoke else 500,
                             time_limit=arguments.minutes * 60)
    model = load_wavenet(f"{arguments.out}/best.keras")
    last = state["history"][-1]
    length = arguments.bars * 16
    figures = {"training_seconds": round(last["seconds"]), "steps_done": state["steps_done"],
               "best_step": state.get("best_step"), "device": state.get("device"),
               "valid_token_nll": last.get("valid_loss"), "bars": arguments.bars,
               "per_style": arguments.per_style, "regions": list(regions),
               "seconds_this_session": round(time.perf_counter() - started), "samples": {}}

    for temperature in arguments.temperatures:
        tunes, requested = [], []
        for region in regions:
            tunes.append(generate(
                model, length=length, temperature=temperature, seed=0, style=styles.index(region),
                count=arguments.per_style))
            requested += [region] * arguments.per_style
        tunes = np.concatenate(tunes)
        figures["samples"][str(temperature)] = {
            "per_tune": recognition_rates(classifier, tunes, requested, regions, crop),
            "per_crop": _per_crop(classifier, tunes, requested, regions, crop)}

    real, real_regions = [], []
    for piece, label in zip(pieces["test"], labels["test"]):
        if styles[label] in regions and len(piece) >= length:
            real.append(piece[:length])
            real_regions.append(styles[label])
    real_rates = recognition_rates(classifier, np.stack(real), real_regions, regions, crop)
    figures["real_test_tunes"] = {**real_rates, "tunes": len(real),
                                  "mean_over_regions": float(np.mean(
                                      [real_rates[name] for name in regions]))}

    print(f"\nconditioned WaveNet: {figures['steps_done']} steps in "
          f"{figures['training_seconds']} s on {figures['device']}; best step "
          f"{figures['best_step']}, validation {figures['valid_token_nll']:.3f} nats per step")
    print(f"{arguments.bars}-bar tunes recognised as the requested region "
          f"({arguments.per_style} per region; per tune, and per 2-bar crop):")
    print(f"  {'temperature':>11} " + " ".join(f"{name:>9}" for name in regions) +
          f" {'mean':>9} {'per crop':>9}")
    for temperature, result in figures["samples"].items():
        per_tune = result["per_tune"]
        mean = float(np.mean([per_tune[name] for name in regions]))
        result["mean_over_regions"] = mean
        print(f"  {temperature:>11} " + " ".join(f"{per_tune[name]:9.3f}" for name in regions) +
              f" {mean:9.3f} {result['per_crop']['overall']:9.3f}")
    print(f"  {'real tunes':>11} " + " ".join(f"{real_rates[name]:9.3f}" for name in regions) +
          f" {figures['real_test_tunes']['mean_over_regions']:9.3f}   "
          f"({len(real)} held-out tunes, first {arguments.bars} bars)")
    best = max(result["mean_over_regions"] for result in figures["samples"].values())
    print(f"target: conditioned samples recognised >= 0.80: {best:.3f} "
          f"({'met' if best >= 0.80 else 'short'})")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


def _per_crop(classifier, tunes, requested, regions, crop):
    """Recognition of every 2-bar crop of the tunes (each crop judged alone)."""
    from musiclab.style import crops_of_tunes, recognition_rates

    crops, owners = crops_of_tunes(tunes, crop)
    return recognition_rates(classifier, crops, np.asarray(requested)[owners], regions)

if __name__ == "__main__":
    main()
