"""Train the same small LSTM on melody windows with each Keras backend and compare.

    python benchmarks/backends.py [--steps 60] [--batch-size 64]

Each backend runs in its own process (Keras fixes its backend at import).
Prints sequences per second per backend and the ratio between them.
"""

import argparse
import json
import os
import subprocess
import sys

WORKER = r"""
import json, sys, time
import numpy as np
import keras
from musiclab.data import VOCABULARY_SIZE, load_corpus

steps, batch_size = int(sys.argv[1]), int(sys.argv[2])
windows = load_corpus().select(collection="essen").windows(bars=2).tokens
rng = np.random.default_rng(0)
batch = windows[rng.choice(len(windows), size=batch_size * 8)]
inputs, targets = batch[:, :-1], batch[:, 1:]
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input((inputs.shape[1],), dtype="int32"),
    keras.layers.Embedding(VOCABULARY_SIZE, 64),
    keras.layers.LSTM(256, return_sequences=True),
    keras.layers.Dense(VOCABULARY_SIZE),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
for first in range(0, 3 * batch_size, batch_size):  # warm-up: compile the train step
    model.train_on_batch(inputs[first:first + batch_size], targets[first:first + batch_size])
start = time.perf_counter()
done = 0
while done < steps:
    for first in range(0, len(inputs), batch_size):
        model.train_on_batch(inputs[first:first + batch_size], targets[first:first + batch_size])
        done += 1
        if done >= steps:
            break
seconds = time.perf_counter() - start
print(json.dumps({"backend": keras.backend.backend(), "seconds": seconds,
                  "sequences_per_second": steps * batch_size / seconds}))
"""


def run(backend, steps, batch_size):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", WORKER, str(steps), str(batch_size)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"{backend}: could not run ({last})")
        return None
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{backend}: {figures['sequences_per_second']:.0f} sequences/s "
          f"({steps} steps of {batch_size} two-bar windows in {figures['seconds']:.1f} s)")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    arguments = parser.parse_args()
    if arguments.steps < 1 or arguments.batch_size < 1:
        parser.error("--steps and --batch-size must be at least 1")
    results = {backend: run(backend, arguments.steps, arguments.batch_size)
               for backend in ("tensorflow", "jax")}
    if all(results.values()):
        ratio = results["jax"]["sequences_per_second"] / results["tensorflow"][
            "sequences_per_second"]
        print(f"jax / tensorflow throughput: {ratio:.2f}x")


if __name__ == "__main__":
    main()
