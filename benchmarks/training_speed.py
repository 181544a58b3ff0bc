"""Training speed on this machine: the course map's CPU and GPU columns.

    python benchmarks/training_speed.py [--steps 300]   # KERAS_BACKEND picks the backend

Prints training steps (and examples) a second of the interview-sized models
(``musiclab/*/minimal.py``) at batch 32 and 256, and of two production models through the one
training loop: the melody VAE (default configuration, batch 64) and the melody WaveNet
(default, batch 16), checkpoints included, the first (compiling) chunk left out. Run it on a
CPU and on a GPU with the same backend and divide.
"""

import argparse
import os
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="timed steps per model")
    arguments = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    import keras

    from musiclab import vae, wavenet
    from musiclab.data.splits import corpus_pieces, corpus_windows
    from musiclab.nn.loop import device_description
    from musiclab.vae import minimal as minimal_vae
    from musiclab.wavenet import minimal as minimal_wavenet

    print(f"{keras.backend.backend()}, {device_description()}", flush=True)
    windows = corpus_windows("all")
    for name, make, train in (("minimal WaveNet", minimal_wavenet.wavenet,
                               minimal_wavenet.train_wavenet),
                              ("minimal VAE", minimal_vae.MinimalVAE, minimal_vae.train_vae)):
        for batch in (32, 256):
            model = make()
            train(model, windows["train"], num_steps=20, batch_size=batch)  # compile
            started = time.perf_counter()
            train(model, windows["train"], num_steps=arguments.steps, batch_size=batch)
            rate = arguments.steps / (time.perf_counter() - started)
            print(f"{name:16} batch {batch:3}: {rate:7.1f} steps/s, {rate * batch:9.0f} "
                  f"examples/s", flush=True)

    folder, every = tempfile.mkdtemp(), max(arguments.steps // 3, 1)

    def loop_rate(state):
        chunks = [entry["chunk_seconds"] for entry in state["history"][1:]]
        return len(chunks) * every / sum(chunks)

    _, state = vae.train(vae.MelodyVAEConfig.default(), windows["train"],
                         windows["valid"][:256], steps=3 * every + every,
                         folder=os.path.join(folder, "vae"), batch_size=64,
                         checkpoint_every=every, progress=False)
    print(f"melody VAE (default, batch 64): {loop_rate(state):.1f} steps/s", flush=True)
    pieces, labels, styles = corpus_pieces("all", "melody", styles=True)
    _, state = wavenet.train(wavenet.WaveNetConfig.default("melody", styles), pieces["train"],
                             pieces["valid"][:64], steps=3 * every + every,
                             folder=os.path.join(folder, "wavenet"), batch_size=16,
                             train_labels=labels["train"], valid_labels=labels["valid"][:64],
                             checkpoint_every=every, progress=False)
    print(f"melody WaveNet (default, batch 16): {loop_rate(state):.1f} steps/s", flush=True)


if __name__ == "__main__":
    main()
