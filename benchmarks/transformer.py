"""Measure the Transformer family: cached vs naive sampling, held-out NLL against the WaveNet
and the LSTM, the JSB Chorales NLL, and a scaling study.

    python benchmarks/transformer.py speed [--backend jax] [--model RUN]
    python benchmarks/transformer.py compare RUN [RUN ...] [--split valid] [--out STUDIES]
    python benchmarks/transformer.py jsb RUN --benchmark JSB_16TH_JSON [--out STUDIES]
    python benchmarks/transformer.py scaling --token-budget 1500000 --folder runs/scaling \
        [--out STUDIES]

STUDIES is a JSON file the figures are written into (musiclab/_data/transformer_studies.json
is what the notebook shows).

Every figure printed is measured on the machine that runs it; run on a quiet machine.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _merge(path, key, value):
    """Put ``value`` under ``key`` of the JSON file ``path`` (the studies the notebook shows)."""
    from musiclab.files import atomic_write_text

    path = Path(path)
    record = json.loads(path.read_text()) if path.exists() else {}
    record[key] = value
    atomic_write_text(path, json.dumps(record, indent=1))
    print(f"wrote {key} into {path}")


def _speed(arguments):
    import numpy as np

    from musiclab.transformer.model import TransformerConfig, build_transformer, load
    from musiclab.transformer.sample import generate

    if arguments.model:
        model = load(Path(arguments.model) / "model.keras"
                     if Path(arguments.model).is_dir() else arguments.model)
    else:
        model = build_transformer(TransformerConfig.default(styles=("a",)).replace(dropout=0.0))
    import keras

    from musiclab.nn.config import config_of

    config = config_of(model)
    style = 0 if config.styles else None
    print(f"backend {keras.backend.backend()}; model: {model.count_params():,} parameters, "
          f"{config.layers} layers x {config.model_dim}, {config.position}, context "
          f"{config.context}")
    generate(model, length=8, style=style, method="naive")  # compile once
    generate(model, length=8, style=style)
    length = min(512, config.context - 1)
    timings = {}
    for method in ("cached", "naive"):
        started = time.perf_counter()
        tokens = generate(model, length=length, style=style, seed=1, method=method)
        timings[method] = time.perf_counter() - started
        print(f"{method:6}: {length} tokens in {timings[method]:.2f} s "
              f"({1000 * timings[method] / length:.2f} ms a token)")
    same = np.array_equal(tokens, generate(model, length=length, style=style, seed=1))
    print(f"cached is {timings['naive'] / timings['cached']:.1f}x faster than naive at "
          f"{length} tokens (same notes: {same})")
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        generate(model, length=1024, style=style, seed=2)
        runs.append(time.perf_counter() - started)
    print(f"1,024 new tokens (cached, context refilled as needed): {min(runs):.2f} s best of 3, "
          f"median {sorted(runs)[1]:.2f} s")


def _compare(arguments):
    from musiclab.nn.config import model_kind
    from musiclab.transformer.tokens import melody_data
    from musiclab.transformer.training import sequence_nll

    data = melody_data(styles=True, dances=True)  # dance tokens for models that read them
    print(f"{arguments.split} split: {len(data.pieces[arguments.split])} tunes, "
          f"{data.tokens(arguments.split):,} tokens")
    print(f"{'run':28} {'kind':20} {'parameters':>10} {'steps':>6} {'minutes':>7} "
          f"{'NLL nats/token':>14} {'accuracy':>8}")
    rows = []
    for run in arguments.runs:
        path = Path(run) / "model.keras"
        state = json.loads((Path(run) / "state.json").read_text())
        kind = model_kind(path)
        if kind == "wavenet":
            from musiclab.wavenet.model import load_wavenet
            from musiclab.wavenet.training import sequence_scores

            model = load_wavenet(path)
            scores = sequence_scores(model, data.pieces[arguments.split],
                                     labels=data.labels[arguments.split])
        else:
            from musiclab.transformer.model import load

            model = load(path)
            scores = sequence_nll(model, data, split=arguments.split)
        minutes = state["history"][-1]["seconds"] / 60
        print(f"{Path(run).name:28} {kind:20} {model.count_params():>10,} "
              f"{state['steps_done']:>6} {minutes:>7.1f} {scores['token_nll']:>14.3f} "
              f"{scores['accuracy']:>8.3f}")
        config = json.loads((Path(run) / "config.json").read_text())
        label = {"wavenet": "WaveNet (receptive field 255)",
                 "lstm_language_model": f"LSTM {config.get('layers')} x {config.get('units')}"
                 }.get(kind, f"Transformer, {config.get('position')}, dropout "
                       f"{config.get('dropout')}, lr {config.get('learning_rate')}"
                       + (", dance prefix" if config.get("dances") else ""))
        rows.append({"model": label, "run": Path(run).name, "kind": kind,
                     "parameters": model.count_params(), "steps": state["steps_done"],
                     "minutes": round(minutes, 2), "token_nll": scores["token_nll"],
                     "accuracy": scores["accuracy"]})
    if arguments.out:
        _merge(arguments.out, "comparison", {
            "split": arguments.split, "rows": rows,
            "where": f"{arguments.split} split, {data.tokens(arguments.split):,} tokens; "
                     f"measured on {os.cpu_count()} CPU cores, no GPU, by "
                     "benchmarks/transformer.py compare"})


def _jsb(arguments):
    from musiclab.transformer.model import load
    from musiclab.transformer.tokens import jsb_data
    from musiclab.transformer.training import sequence_nll

    data = jsb_data(arguments.benchmark)
    lines = []
    for run in arguments.runs:
        model = load(Path(run) / "model.keras")
        state = json.loads((Path(run) / "state.json").read_text())
        for split in ("valid", "test"):
            scores = sequence_nll(model, data, split=split)
            lines.append(f"{Path(run).name}: JSB Chorales 16th, voices interleaved, {split} NLL "
                         f"{scores['token_nll']:.3f} nats per token ({scores['tokens']:,} "
                         f"tokens; Music Transformer 0.335); {model.count_params():,} "
                         f"parameters, {state['steps_done']} steps in "
                         f"{state['history'][-1]['seconds'] / 60:.1f} min on "
                         f"{os.cpu_count()} CPU cores")
            print(lines[-1])
    if arguments.out:
        _merge(arguments.out, "jsb", "\n".join(lines))


def _scaling(arguments):
    from musiclab.transformer.tokens import melody_data
    from musiclab.transformer.training import fit_power_law, scaling_study

    data = melody_data(styles=True)
    results = scaling_study(data, token_budget=arguments.token_budget, folder=arguments.folder,
                            batch_size=16, window=arguments.window, progress=False)
    fit = fit_power_law([r["parameters"] for r in results], [r["valid_nll"] for r in results])
    print(f"fitted: valid NLL = {fit['a']:.2f} * N^-{fit['exponent']:.3f} "
          f"(R^2 {fit['r_squared']:.3f}) over {len(results)} sizes")
    record = {"token_budget": arguments.token_budget, "window": arguments.window,
              "data": "melody, all collections, valid split", "results": results, "fit": fit,
              "machine": f"{os.cpu_count()} CPU cores, no GPU"}
    if arguments.out:
        _merge(arguments.out, "scaling", record)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax"], default=None)
    commands = parser.add_subparsers(dest="what", required=True)
    speed = commands.add_parser("speed")
    speed.add_argument("--model", default=None, help="a run folder or .keras (default: a new "
                                                     "model of the default size)")
    compare = commands.add_parser("compare")
    compare.add_argument("runs", nargs="+")
    compare.add_argument("--split", default="valid", choices=["valid", "test"])
    compare.add_argument("--out", default=None, help="a studies JSON file to write into")
    jsb = commands.add_parser("jsb")
    jsb.add_argument("runs", nargs="+")
    jsb.add_argument("--benchmark", required=True)
    jsb.add_argument("--out", default=None, help="a studies JSON file to write into")
    scaling = commands.add_parser("scaling")
    scaling.add_argument("--token-budget", type=int, required=True)
    scaling.add_argument("--window", type=int, default=128)
    scaling.add_argument("--folder", required=True)
    scaling.add_argument("--out", default=None)
    arguments = parser.parse_args(argv)
    if arguments.backend:
        os.environ["KERAS_BACKEND"] = arguments.backend
    {"speed": _speed, "compare": _compare, "jsb": _jsb, "scaling": _scaling}[arguments.what](
        arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
