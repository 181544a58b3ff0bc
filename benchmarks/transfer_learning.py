"""Fine-tuning vs training from scratch on a small collection: the learning curve.

    python benchmarks/transfer_learning.py --out runs/transfer --style chinese \\
        --pretrain-minutes 10 --sizes 25 50 100 200 --plot runs/transfer/curve.png

1. Pretrains a melody VAE on every training tune *except* the chosen style's
   (resumed when ``--out``/pretrained exists; ``--pretrained PATH`` uses a given model).
2. For each size, fine-tunes it on that many tunes of the style, and trains a
   fresh VAE of the same configuration on the same tunes with the same batches.
3. Prints the held-out teacher-forced accuracy of both on the style's test tunes,
   and draws the learning curve.
"""

import argparse
import json
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the pretrained run")
    parser.add_argument("--style", default="chinese", help="the small collection's region")
    parser.add_argument("--pretrained", help="a pretrained melody VAE (.keras) to use instead")
    parser.add_argument("--pretrain-minutes", type=float, default=10.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--steps", type=int, default=400, help="steps of every small run")
    parser.add_argument("--smoke", action="store_true", help="tiny models, a few steps")
    parser.add_argument("--plot", help="write the learning curve to this PNG")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    arguments = parser.parse_args()

    import numpy as np

    from musiclab.data import SPLIT, load_corpus
    from musiclab.style.transfer_learning import learning_curve, tune_windows
    from musiclab.vae.model import MelodyVAEConfig
    from musiclab.vae.training import train_vae

    splits = load_corpus("all").split(**SPLIT)
    started = time.perf_counter()
    pretrained = arguments.pretrained
    pretrain = {}
    if pretrained is None:
        config = MelodyVAEConfig.smoke() if arguments.smoke else MelodyVAEConfig.default()
        others = {name: part.subset(np.flatnonzero(part.metadata["region"] != arguments.style))
                  for name, part in splits.items() if name != "test"}
        windows = {name: part.windows(bars=2).tokens for name, part in others.items()}
        folder = Path(arguments.out) / "pretrained"
        _, state = train_vae(config, windows["train"], windows["valid"],
                             steps=20 if arguments.smoke else 100_000, folder=folder,
                             checkpoint_every=10 if arguments.smoke else 500,
                             time_limit=arguments.pretrain_minutes * 60)
        pretrained = folder / "best.keras"
        pretrain = {"pretrain_windows": int(len(windows["train"])),
                    "pretrain_steps": state["steps_done"],
                    "pretrain_seconds": round(state["history"][-1]["seconds"])}
    style_train = splits["train"].select(region=arguments.style)
    style_test = splits["test"].select(region=arguments.style)
    tunes = tune_windows(style_train)
    np.random.default_rng(0).shuffle(tunes)
    test_tokens = style_test.windows(bars=2).tokens
    sizes = [size for size in arguments.sizes if size <= len(tunes)]
    curve = learning_curve(pretrained, tunes, test_tokens, sizes=sizes,
                           steps=10 if arguments.smoke else arguments.steps)
    figures = {"style": arguments.style, "test_windows": int(len(test_tokens)),
               "steps_per_run": 10 if arguments.smoke else arguments.steps, "curve": curve,
               "seconds": round(time.perf_counter() - started), **pretrain}
    print(f"\ntransfer learning to {arguments.style!r} ({len(test_tokens)} held-out windows; "
          f"pretrained without it: accuracy {curve[0]['pretrained']:.3f})")
    print(f"{'tunes':>6} {'windows':>8} {'fine-tuned':>11} {'from scratch':>13}")
    for row in curve:
        print(f"{row['tunes']:6d} {row['windows']:8d} {row['fine_tuned']:11.3f} "
              f"{row['from_scratch']:13.3f}")
    hundred = [row for row in curve if row["tunes"] == 100]
    if hundred:
        row = hundred[0]
        verdict = "met" if row["fine_tuned"] > row["from_scratch"] else "short"
        print(f"target: fine-tuned beats from scratch at 100 tunes: {row['fine_tuned']:.3f} vs "
              f"{row['from_scratch']:.3f} ({verdict})")
    if arguments.plot:
        from musiclab.plotting import plot_learning_curve

        figure = plot_learning_curve(curve).figure
        figure.savefig(arguments.plot, dpi=120, bbox_inches="tight")
    if arguments.json:
        with open(arguments.json, "w") as handle:
            json.dump(figures, handle, indent=1)


if __name__ == "__main__":
    main()
