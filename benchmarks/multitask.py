"""Rhythm and pitch together or apart: one shared trunk with two heads vs two models.

    python benchmarks/multitask.py --out runs/multitask [--steps 3000] [--units 128]
        [--seeds 2] [--smoke]

Trains ``musiclab.harmony.rhythm_pitch``'s multi-task model (pitch and duration heads on one
LSTM) and the two single-task models on the same batches of note windows from the project's
training split, and prints each head's held-out NLL (nats per note) and accuracy on the test
split, parameters and training seconds. Writes ``multitask.json`` into ``--out``.
"""

import argparse
import json
import os
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for multitask.json")
    parser.add_argument("--steps", type=int, default=3000, help="batches of 64 per model")
    parser.add_argument("--units", type=int, default=128, help="LSTM units of the trunk")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="a few steps, one seed")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.steps, arguments.seeds, arguments.units = 20, 1, 32
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras
    import numpy as np

    from musiclab.files import atomic_write_text
    from musiclab.harmony import rhythm_pitch

    data = rhythm_pitch.note_data()
    runs = [rhythm_pitch.compare(data, steps=arguments.steps, units=arguments.units, seed=seed)
            for seed in range(arguments.seeds)]
    rows = []
    for index, first in enumerate(runs[0]):
        row = {"model": first["model"], "parameters": first["parameters"]}
        for key in first:
            if key not in row:
                values = [run[index][key] for run in runs]
                row[key], row[key + "_spread"] = float(np.mean(values)), float(np.std(values))
        rows.append(row)
    print(f"{'model':18} {'parameters':>10} {'seconds':>8} {'pitch NLL':>10} {'pitch acc':>9} "
          f"{'dur. NLL':>9} {'dur. acc':>8}")
    for row in rows:
        cells = [f"{row[key]:>9.3f}" if key in row else f"{'-':>9}"
                 for key in ("pitch_nll", "pitch_accuracy", "duration_nll", "duration_accuracy")]
        print(f"{row['model']:18} {row['parameters']:>10,} {row['seconds']:>8.0f} "
              + " ".join(cells))
    folder = Path(arguments.out)
    report = {"model": f"musiclab.harmony.rhythm_pitch, LSTM {arguments.units}",
              "steps": arguments.steps, "batch_size": 64, "seeds": arguments.seeds,
              "test_windows": len(data["test"][0]), "backend": keras.backend.backend(),
              "command": f"python benchmarks/multitask.py --steps {arguments.steps} "
                         f"--units {arguments.units} --seeds {arguments.seeds}",
              "rows": rows}
    atomic_write_text(folder / "multitask.json", json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
