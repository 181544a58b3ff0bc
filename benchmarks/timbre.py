"""Instruments in audio, measured: timbre transfer against its baselines, its speed, what it
refuses, and the raw-audio WaveNet's sampling speed.

    python benchmarks/timbre.py --out runs/timbre [--tunes 5] [--model violin]
        [--wavenet audio_wavenet] [--smoke]

1. Held-out tunes (test split): each rendered by the soundfont's piano (the input) and violin
   (the reference). The multi-scale spectral distance to the reference of the learned
   conversion, of the piano input, and of the fixed-spectrum synth (same f0 and mapped
   loudness, sawtooth spectrum); and the share of the input's voiced frames whose pitch the
   conversion keeps within 50 cents.
2. Speed: 30 s of audio converted (pitch and loudness analysis included), median of 5 runs
   after one warm-up.
3. Bad input: a text file, silence, noise, a stereo 44.1 kHz file, a two-hour WAV header,
   out-of-range settings; each through ``musiclab convert`` in a subprocess: exit status and
   the one line on stderr.
4. The raw-audio WaveNet: one second of a violin G4, cached sampler (and 0.05 s naive),
   samples per second and the share of real time.

Prints each and writes ``timbre.json`` into ``--out``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def bad_inputs(folder, model):
    """``[(case, exit status, stderr line)]`` from ``musiclab convert`` on hostile input."""
    import numpy as np
    import soundfile

    rate = 16000
    folder = Path(folder)
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    (folder / "notes.wav").write_text("this is not audio")
    soundfile.write(folder / "silence.wav", np.zeros(rate), rate, subtype="PCM_16")
    soundfile.write(folder / "noise.wav", np.random.default_rng(0).normal(0, 0.2, rate), rate,
                    subtype="PCM_16")
    at_44k = 0.3 * np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)
    soundfile.write(folder / "stereo_44k.wav", np.stack([at_44k, at_44k], 1), 44100,
                    subtype="PCM_16")
    soundfile.write(folder / "tone.wav", tone, rate, subtype="PCM_16")
    long = folder / "two_hours.wav"
    soundfile.write(long, np.zeros(8000), 8000, subtype="PCM_16")
    size = 2 * 3600 * 8000 * 2
    with open(long, "r+b") as handle:  # a real header for two hours, the samples sparse
        handle.seek(4)
        handle.write((36 + size).to_bytes(4, "little"))
        handle.seek(40)
        handle.write(size.to_bytes(4, "little"))
        handle.truncate(44 + size)
    cases = [("text file named .wav", "notes.wav", []), ("silence", "silence.wav", []),
             ("noise (no pitch)", "noise.wav", []),
             ("stereo 44.1 kHz tone", "stereo_44k.wav", []),
             ("two-hour WAV", "two_hours.wav", []),
             ("octaves 9", "tone.wav", ["--octaves", "9"]),
             ("unknown instrument", "tone.wav", ["--to", "theremin"]),
             ("missing file", "absent.wav", [])]
    rows = []
    for case, name, extra in cases:
        arguments = {"--to": model, "--out": str(folder / "out.wav")}
        arguments.update(dict(zip(extra[::2], extra[1::2])))
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "musiclab", "convert", str(folder / name),
                                 *[item for pair in arguments.items() for item in pair]],
                                capture_output=True, text=True, timeout=300)
        line = (result.stderr.strip().splitlines() or [result.stdout.strip()])[-1]
        rows.append({"case": case, "status": result.returncode,
                     "lines_on_stderr": len(result.stderr.strip().splitlines()),
                     "message": line.replace(str(folder) + "/", ""),
                     "seconds": round(time.perf_counter() - started, 1)})
    return rows


def note_pitches(model, seeds=(0, 1)):
    """How well the raw-audio WaveNet's one-second notes keep the pitch they are asked for.

    Returns:
        Rows of ``condition``, ``seed``, ``voiced`` (share of frames with a pitch) and
        ``median_cents`` from the asked pitch (NaN when none is pitched).
    """
    import numpy as np

    from musiclab.sound.features import cents, fundamental_frequency
    from musiclab.timbre.convert import resampled
    from musiclab.timbre.raw_audio import generate_note

    rows = []
    for instrument, pitch in (("violin", 67), ("flute", 73), ("trumpet", 61)):
        for seed in seeds:
            note, _ = generate_note(model, instrument, pitch, seconds=1.0, seed=seed)
            f0, _ = fundamental_frequency(resampled(note.samples, note.sample_rate), 16000)
            voiced = ~np.isnan(f0)
            error = np.median(cents(f0[voiced], 440 * 2 ** ((pitch - 69) / 12))) \
                if voiced.any() else float("nan")
            rows.append({"condition": f"{instrument} {pitch}", "seed": seed,
                         "voiced": float(voiced.mean()), "median_cents": float(error)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for timbre.json")
    parser.add_argument("--tunes", type=int, default=5, help="held-out tunes")
    parser.add_argument("--model", default="violin",
                        help="a shipped instrument or a timbre model file / run folder")
    parser.add_argument("--wavenet", default="audio_wavenet",
                        help="the shipped raw-audio WaveNet")
    parser.add_argument("--smoke", action="store_true", help="one tune, a quick check")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.tunes = 1
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras
    import numpy as np

    from musiclab.files import atomic_write_text
    from musiclab.nn import load_shipped
    from musiclab.timbre.cli import load_target
    from musiclab.timbre.convert import convert
    from musiclab.timbre.raw_audio import generate_note
    from musiclab.timbre.train import held_out_pairs, transfer_figures

    report = {"backend": keras.backend.backend(), "model": arguments.model}
    model = load_target(arguments.model)
    pairs = held_out_pairs("violin", tunes=arguments.tunes)
    figures = transfer_figures(model, pairs)
    report["transfer"] = {"tunes": [name for name, _, _ in pairs], **figures}
    print(f"{len(pairs)} held-out tunes, multi-scale spectral distance to the violin render:")
    for key in ("piano_input", "fixed_spectrum", "conversion"):
        print(f"  {key:16} {figures[key]:7.3f}")
    print(f"  pitch kept (within 50 cents): {figures['pitch_kept']:.1%} of voiced frames")

    piano = np.concatenate([pair[1] for pair in pairs] * 3)[:30 * 16000]
    if len(piano) < 30 * 16000:
        piano = np.tile(piano, 30 * 16000 // len(piano) + 1)[:30 * 16000]
    convert(model, piano)  # warm-up: compiles the decoder
    times = []
    for _ in range(5):
        started = time.perf_counter()
        convert(model, piano)
        times.append(time.perf_counter() - started)
    report["speed"] = {"audio_seconds": 30, "median_seconds": float(np.median(times)),
                       "runs": times}
    print(f"30 s converted in {np.median(times):.2f} s (median of 5): "
          f"{30 / np.median(times):.0f} x real time")

    with tempfile.TemporaryDirectory() as folder:
        rows = bad_inputs(folder, arguments.model)
    report["bad_input"] = rows
    for row in rows:
        print(f"  {row['case']:22} exit {row['status']} ({row['lines_on_stderr']} line): "
              f"{row['message']}")

    wavenet = load_shipped(arguments.wavenet)
    generate_note(wavenet, "violin", 67, seconds=0.01)  # warm-up
    _, cached = generate_note(wavenet, "violin", 67, seconds=0.25 if arguments.smoke else 1.0)
    _, naive = generate_note(wavenet, "violin", 67, seconds=0.05, method="naive")
    report["raw_wavenet"] = {"cached": cached, "naive": naive, "notes": note_pitches(wavenet)}
    for name, speed in (("cached", cached), ("naive", naive)):
        print(f"raw-audio WaveNet, {name}: {speed['samples']} samples in {speed['seconds']:.2f} s, "
              f"{speed['samples_per_second']:,.0f} samples/s = {speed['real_time']:.3f} x real "
              "time at 8 kHz")
    for row in report["raw_wavenet"]["notes"]:
        print(f"  {row['condition']:12} seed {row['seed']}: {row['voiced']:.0%} of frames pitched, "
              f"median {row['median_cents']:+.0f} cents from the asked pitch")
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "timbre.json", json.dumps(report, indent=1))
    print(f"wrote {out / 'timbre.json'}")


if __name__ == "__main__":
    main()
