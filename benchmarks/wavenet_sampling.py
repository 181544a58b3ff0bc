"""Cached ("fast WaveNet") vs naive sampling at a 512-step receptive field.

Builds a melody WaveNet with dilations 1, 2, ..., 256 (receptive field 512 steps),
samples the same sequence both ways with the same seed, checks the notes are
identical, and prints milliseconds per step and the speed-up, per backend.

    python benchmarks/wavenet_sampling.py                 # both backends, 600 steps
    python benchmarks/wavenet_sampling.py --backend jax --steps 1000 --count 4
"""

import argparse
import json
import os
import subprocess
import sys


def measure(steps, count, channels, repeats):
    import time

    import keras
    import numpy as np

    from musiclab.wavenet.model import WaveNetConfig, build_wavenet
    from musiclab.wavenet.sample import generate

    config = WaveNetConfig(head="melody", channels=channels, skip_channels=2 * channels,
                           dilations=tuple(2 ** k for k in range(9)))
    keras.utils.set_random_seed(0)
    model = build_wavenet(config)
    results, outputs = {}, {}
    for method in ("cached", "naive"):
        generate(model, length=4, count=count, method=method)  # compile
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            outputs[method] = generate(model, length=steps, temperature=1.0, seed=1, count=count,
                                       method=method)
            timings.append(time.perf_counter() - started)
        results[method] = 1000 * min(timings) / steps
    return {"backend": keras.backend.backend(), "receptive_field": config.receptive_field,
            "steps": steps, "count": count, "channels": channels,
            "cached_ms_per_step": round(results["cached"], 3),
            "naive_ms_per_step": round(results["naive"], 3),
            "speedup": round(results["naive"] / results["cached"], 1),
            "identical": bool(np.array_equal(outputs["cached"], outputs["naive"]))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "both"], default="both")
    parser.add_argument("--steps", type=int, default=600, help="steps generated")
    parser.add_argument("--count", type=int, default=1, help="sequences sampled together")
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs")
    arguments = parser.parse_args(argv)
    if arguments.backend == "both":
        for backend in ("tensorflow", "jax"):
            command = [sys.executable, __file__, "--backend", backend,
                       *[f"--{name}={getattr(arguments, name)}"
                         for name in ("steps", "count", "channels", "repeats")]]
            result = subprocess.run(command, capture_output=True, text=True,
                                    env={**os.environ, "KERAS_BACKEND": backend})
            print(result.stdout.strip() or result.stderr.strip().splitlines()[-1], flush=True)
        return 0
    os.environ["KERAS_BACKEND"] = arguments.backend
    result = measure(arguments.steps, arguments.count, arguments.channels, arguments.repeats)
    print(f"{result['backend']:10} receptive field {result['receptive_field']}, "
          f"{result['steps']} steps x {result['count']}: cached {result['cached_ms_per_step']} "
          f"ms/step, naive {result['naive_ms_per_step']} ms/step -> {result['speedup']}x; "
          f"identical notes: {result['identical']}   {json.dumps(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
