"""Measure the foundation's speed: corpus load time, build throughput, render time.

    python benchmarks/data_and_sound.py [--tunes 240] [--repeats 5]

Prints measured figures (and ratios, since the machine is noisy). Targets:
loading the bundled corpus <= 2 s on a fresh process; rendering a 30-second
melody <= 1 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

LOAD_SNIPPET = (
    "import time; start = time.perf_counter(); from musiclab.data import load_corpus; "
    "corpus = load_corpus(); windows = corpus.windows(bars=2); "
    "print(time.perf_counter() - start, len(corpus), len(windows))"
)


def measure_load(repeats):
    seconds = []
    for _ in range(repeats):
        output = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], capture_output=True,
                                text=True, check=True).stdout.split()
        seconds.append(float(output[0]))
    print(f"load bundled corpus + 2-bar windows, fresh process (import included): "
          f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s over {repeats} "
          f"runs; {output[1]} tunes, {output[2]} windows")


def measure_build(tunes_per_collection):
    from musiclab.data import catalogue
    from musiclab.data.build import encode_tunes

    sample = [tune for name in ("bach", "essen", "oneill", "ryan")
              for tune in catalogue(name)[:tunes_per_collection]]
    encode_tunes(sample[:: max(1, len(sample) // 8)], workers=1, progress=False)  # warm-up
    timings = {}
    for workers in (1, os.cpu_count() or 1):
        start = time.perf_counter()
        encode_tunes(sample, workers=workers, progress=False)
        timings[workers] = time.perf_counter() - start
        print(f"build {len(sample)} tunes with {workers} worker(s): {timings[workers]:.1f} s, "
              f"{len(sample) / timings[workers]:.1f} tunes/s")
    if len(timings) == 2:
        one, many = timings.values()
        print(f"parallel speed-up on {os.cpu_count()} cores: {one / many:.2f}x")


def measure_render(repeats):
    from musiclab import notation
    from musiclab.data import load_corpus
    from musiclab.sound import audio

    corpus = load_corpus()
    index = corpus.index_of("essen/han1.abc#1")
    tokens = corpus.tune_tokens(index)
    steps = 30 * 2 * 4  # 30 s at 120 quarter notes per minute, 4 steps per quarter
    melody = np.resize(tokens, steps)
    from musiclab.sound.soundfont import load_soundfont

    for backend in audio.available_backends():
        seconds = []
        for _ in range(repeats):
            load_soundfont(str(audio.default_soundfont())).clear_cache()  # every note anew
            start = time.perf_counter()
            sound = audio.render(melody, tempo=120, backend=backend)
            seconds.append(time.perf_counter() - start)
        median = statistics.median(seconds)
        print(f"render a {sound.duration:.1f} s melody with {backend}: median {median:.3f} s "
              f"({sound.duration / median:.0f}x real time)")
        if backend == "sampler":
            start = time.perf_counter()
            audio.render(melody, tempo=120, backend=backend)
            print(f"  again, its notes cached: {time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    svg = notation.score_svg(melody)
    print(f"engrave the same melody as SVG: {time.perf_counter() - start:.2f} s "
          f"({len(svg) // 1024} KB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tunes", type=int, default=60, help="tunes per collection to build")
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    if arguments.tunes < 1 or arguments.repeats < 1:
        parser.error("--tunes and --repeats must be at least 1")
    measure_load(arguments.repeats)
    measure_render(arguments.repeats)
    measure_build(arguments.tunes)


if __name__ == "__main__":
    main()
