"""Measure the melody VAE: held-out figures, load time, slider latency, training speed.

    python benchmarks/melody_vae.py [--model FOLDER] [--trials 50] [--steps 60]

FOLDER holds ``model.keras`` (default: the pretrained model in the package).
Targets (issue: melody VAE): held-out 2-bar teacher-forced accuracy >= 0.95 at
<= 60 bits of KL; slider change to playable audio (decode, render through the
soundfont with ``render``'s default backend, WAV bytes) <= 50 ms p95 for 2 bars
and <= 200 ms for 16 bars.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

THROUGHPUT = r"""
import json, sys, time
import numpy as np, keras
from musiclab.vae.model import MelodyVAEConfig, build_vae
from musiclab.data import corpus_windows
steps, batch_size = int(sys.argv[1]), int(sys.argv[2])
train = corpus_windows("all", bars=2)["train"]
rng = np.random.default_rng(0)
model = build_vae(MelodyVAEConfig.default(), seed=0)
batches = [train[rng.integers(0, len(train), batch_size)] for _ in range(steps + 3)]
for batch in batches[:3]:
    model.train_on_batch(batch, batch)
start = time.perf_counter()
for batch in batches[3:]:
    model.train_on_batch(batch, batch)
seconds = time.perf_counter() - start
print(json.dumps({"backend": keras.backend.backend(),
                  "sequences_per_second": steps * batch_size / seconds}))
"""


def held_out(model):
    from musiclab.data import corpus_windows
    from musiclab.vae.training import evaluate_vae

    test = corpus_windows("all", bars=2)["test"]
    figures = evaluate_vae(model, test)
    print(f"held-out 2-bar windows: {figures['windows']}")
    print(f"  teacher-forced reconstruction accuracy: {figures['teacher_forced_accuracy']:.3f}")
    print(f"  free-running reconstruction accuracy:   {figures['free_running_accuracy']:.3f}")
    print(f"  KL: {figures['kl_bits']:.1f} bits")


def milliseconds(seconds):
    """p50 and p95 of timings in seconds, in milliseconds."""
    return statistics.median(seconds) * 1000, float(np.percentile(seconds, 95)) * 1000


def latency(model, trials, label="2 bars"):
    from musiclab.sound.audio import render
    from musiclab.vae import generate as generation

    rng = np.random.default_rng(0)
    latent_dim = model.get_layer("encoder").output_shape[0][1]
    seconds, backend = [], None
    for trial in range(trials + 3):
        code = rng.standard_normal((1, latent_dim)).astype(np.float32)
        start = time.perf_counter()
        melody = generation.decode(model, code)[0]
        sound = render(melody, tempo=100)
        sound.inline()
        backend = sound.backend
        if trial >= 3:
            seconds.append(time.perf_counter() - start)
    p50, p95 = milliseconds(seconds)
    print(f"slider change to playable audio, {label} (decode + {backend} + WAV): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms over {trials} trials")


def widget_latency(model, trials):
    """Time the LatentExplorer itself: a slider moves, until its Audio widget holds the WAV."""
    from musiclab.data import load_corpus
    from widgets import LatentExplorer

    explorer = LatentExplorer(model, load_corpus("ryan").subset(np.arange(40)), debounce=0)
    arrived = []
    explorer.audio.observe(lambda change: arrived.append(time.perf_counter()), "value")
    seconds = []
    for trial, mix in enumerate(np.random.default_rng(1).uniform(0, 1, trials + 3)):
        start = time.perf_counter()
        explorer.mix.value = float(mix)
        if trial >= 3 and arrived:
            seconds.append(arrived[-1] - start)
    p50, p95 = milliseconds(seconds)
    print(f"LatentExplorer, interpolation slider moved to its audio updated, 2 bars: "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(seconds)} moves "
          f"(the piano roll and the score follow)")


def throughput(steps, batch_size):
    results = {}
    for backend in ("tensorflow", "jax"):
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        run = subprocess.run([sys.executable, "-c", THROUGHPUT, str(steps), str(batch_size)],
                             capture_output=True, text=True, env=env)
        if run.returncode:
            print(f"training throughput on {backend}: could not run "
                  f"({(run.stderr.strip().splitlines() or ['?'])[-1]})")
            continue
        results[backend] = json.loads(run.stdout.strip().splitlines()[-1])["sequences_per_second"]
        print(f"training throughput on {backend}: {results[backend]:.0f} sequences/s "
              f"(default model, batch {batch_size})")
    if len(results) == 2:
        print(f"  jax / tensorflow: {results['jax'] / results['tensorflow']:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="folder with model.keras")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--steps", type=int, default=60, help="steps for the throughput runs")
    parser.add_argument("--batch-size", type=int, default=64)
    arguments = parser.parse_args()
    if min(arguments.trials, arguments.steps, arguments.batch_size) < 1:
        parser.error("--trials, --steps and --batch-size must be at least 1")
    from musiclab.vae.model import load_vae
    from musiclab.vae.shipped import PRETRAINED_ROOT

    folder = Path(arguments.model) if arguments.model else PRETRAINED_ROOT / "melody_vae_2bar"
    start = time.perf_counter()
    model = load_vae(folder / "model.keras")
    print(f"load {folder / 'model.keras'}: {time.perf_counter() - start:.2f} s "
          f"({(folder / 'model.keras').stat().st_size / 1e6:.1f} MB)")
    held_out(model)
    latency(model, arguments.trials)
    widget_latency(model, arguments.trials)
    from musiclab.vae.model import MelodyVAEConfig, build_vae

    # latency does not depend on the weights: time the 16-bar hierarchical architecture as built
    latency(build_vae(MelodyVAEConfig.default_16_bars(), seed=0), max(5, arguments.trials // 5),
            label="16 bars (hierarchical, untrained)")
    throughput(arguments.steps, arguments.batch_size)


if __name__ == "__main__":
    main()
