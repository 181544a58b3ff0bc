"""WaveNet on the polyphonic-music benchmarks: test-split frame NLL vs the TCN paper.

Trains a piano-roll WaveNet on ``JSB_Chorales.json`` and/or ``Nottingham.json``
(Boulanger-Lewandowski et al. 2012) within a time budget, keeps the checkpoint
with the best validation NLL, and prints its test-split frame NLL (the sum over
the 88 keys of the binary cross-entropy in nats, averaged over every time step of
the split, first steps included) next to the published LSTM/GRU/TCN figures.

    python benchmarks/wavenet_polyphonic.py ../shared/data/poly-music --minutes 20
    python benchmarks/wavenet_polyphonic.py ../shared/data/poly-music --ensemble 4
    python benchmarks/wavenet_polyphonic.py ../shared/data/poly-music --quick   # CI check

The data folder is an argument: musiclab itself never needs these files.
"""

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

PUBLISHED = {  # Bai, Kolter, Koltun 2018, table 3 (test frame NLL)
    "jsb": {"LSTM": 8.45, "GRU": 8.43, "TCN": 8.10},
    "nottingham": {"LSTM": 3.29, "GRU": 3.46, "TCN": 3.07},
}
FILES = {"jsb": "JSB_Chorales.json", "nottingham": "Nottingham.json"}


def settings(dataset, quick=False):
    """The WaveNet configuration used for a dataset."""
    from musiclab.wavenet.model import WaveNetConfig

    if dataset == "jsb":  # quarter notes, 60 steps a piece: small model, strong regularisation
        config = WaveNetConfig(head="pianoroll", channels=64, skip_channels=128,
                               dilations=(1, 2, 4, 8, 16, 1, 2, 4, 8, 16), dropout=0.5,
                               window=160, transpose=0, steps_per_quarter=1,
                               decay_steps=2_500)
    else:  # eighth notes, 250 steps a piece
        config = WaveNetConfig(head="pianoroll", channels=64, skip_channels=128,
                               dilations=(1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32), dropout=0.2,
                               window=256, transpose=0, steps_per_quarter=2,
                               decay_steps=4_500)
    if quick:
        config = dataclasses.replace(config, channels=16, skip_channels=16,
                                     dilations=(1, 2, 4), decay_steps=0)
    return config


def run(dataset, data_folder, minutes, steps, folder, batch_size, quick, ensemble=1):
    """Train ``ensemble`` models (different seeds), ``minutes / ensemble`` each; score them."""
    from musiclab.data.sequences import load_pianoroll_benchmark
    from musiclab.wavenet.model import load_wavenet
    from musiclab.wavenet.training import sequence_scores, train_wavenet

    data = load_pianoroll_benchmark(Path(data_folder) / FILES[dataset])
    if quick:
        data = {split: pieces[:20] for split, pieces in data.items()}
    config = settings(dataset, quick)
    steps = steps or config.decay_steps
    started = time.perf_counter()
    members, states = [], []
    for member in range(ensemble):
        run_folder = Path(folder) / f"member_{member}"
        _, state = train_wavenet(config, data["train"], data["valid"], steps=steps,
                                 folder=run_folder, batch_size=batch_size,
                                 checkpoint_every=50 if quick else 250, progress=False,
                                 seed=member, time_limit=minutes * 60 / ensemble)
        members.append(load_wavenet(run_folder / "best.keras"))
        states.append(state)
    singles = [round(sequence_scores(model, data["test"])["frame_nll"], 3) for model in members]
    test = sequence_scores(members, data["test"])
    valid = sequence_scores(members, data["valid"])
    return {
        "dataset": dataset, "test_frame_nll": round(test["frame_nll"], 3),
        "valid_frame_nll": round(valid["frame_nll"], 3), "members_test_frame_nll": singles,
        "test_steps": test["steps"], "best_steps": [state["best_step"] for state in states],
        "steps_done": [state["steps_done"] for state in states],
        "training_seconds": round(sum(state["history"][-1]["seconds"] for state in states)),
        "seconds_this_session": round(time.perf_counter() - started),
        "device": states[0]["device"], "receptive_field": config.receptive_field,
        "ensemble": ensemble,
        "settings": {key: value for key, value in dataclasses.asdict(config).items()
                     if key not in ("styles", "style_dim", "head")},
        "published": PUBLISHED[dataset], "quick": quick,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder with JSB_Chorales.json and Nottingham.json")
    parser.add_argument("--dataset", choices=["jsb", "nottingham", "both"], default="both")
    parser.add_argument("--minutes", type=float, default=20.0, help="training budget per dataset")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per model (default: the learning-rate schedule's length)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", default=None, help="run folders go here (default: temporary)")
    parser.add_argument("--ensemble", type=int, default=1,
                        help="train this many models in the budget and average their "
                             "probabilities")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny model on 20 pieces for 100 steps (checks the pipeline)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    arguments = parser.parse_args(argv)
    if arguments.quick:
        arguments.steps, arguments.minutes = min(arguments.steps or 100, 100), \
            min(arguments.minutes, 2)
    datasets = ["jsb", "nottingham"] if arguments.dataset == "both" else [arguments.dataset]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(arguments.out or scratch)
        for dataset in datasets:
            result = run(dataset, arguments.data, arguments.minutes, arguments.steps,
                         root / dataset, arguments.batch_size, arguments.quick,
                         arguments.ensemble)
            results.append(result)
            published = "  ".join(f"{name} {value:.2f}"
                                  for name, value in result["published"].items())
            members = "" if arguments.ensemble == 1 else \
                f"ensemble of {arguments.ensemble}, members {result['members_test_frame_nll']}, "
            print(f"{dataset:10} test frame NLL {result['test_frame_nll']:.3f} ({members}"
                  f"steps {result['steps_done']}, best at {result['best_steps']}, "
                  f"{result['training_seconds']} s of training on {result['device']}, "
                  f"receptive field {result['receptive_field']})   published: {published}",
                  flush=True)
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
