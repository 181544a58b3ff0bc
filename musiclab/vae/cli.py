"""The melody VAE's commands: ``musiclab train vae``, ``musiclab generate``,
``musiclab interpolate``.

Keras-backed modules are imported inside the handlers, after ``--backend`` is set.
"""

from pathlib import Path

import numpy as np

from musiclab.commands import (
    UsageError,
    add_playback_options,
    add_training_options,
    audio_bytes_per_step,
    check_memory,
    check_playback,
    finite,
    melody_window,
    nonempty_path,
    training_options,
)
from musiclab.data import load_splits
from musiclab.data.splits import style_windows
from musiclab.export import export_midi, export_wav

MAX_STEPS = 256  # the longest melody of a musiclab VAE: 16 bars of 16th notes


def register(commands, train):
    """Add ``train vae``, ``generate`` and ``interpolate``."""
    vae = train.add_parser("vae", help="the melody VAE")
    vae.add_argument("--corpus", default="all",
                     help="collection (bach, essen, oneill, ryan, all) or folder of files")
    vae.add_argument("--bars", type=int, default=2)
    vae.add_argument("--styles", action="store_true",
                     help="a conditional VAE: condition on the tunes' regions")
    add_training_options(vae, batch_size=64)
    vae.set_defaults(run=train_command)

    generate = commands.add_parser("generate", help="sample melodies from the melody VAE")
    generate.add_argument("--count", type=int, default=4)
    generate.set_defaults(run=generate_command)
    interpolate = commands.add_parser("interpolate",
                                      help="morph one melody into another with the melody VAE")
    interpolate.add_argument("a", help="a music file or corpus tune id")
    interpolate.add_argument("b", help="a music file or corpus tune id")
    interpolate.add_argument("--count", type=int, default=7, help="melodies on the path")
    interpolate.set_defaults(run=interpolate_command)
    for command, temperature in ((generate, 0.5), (interpolate, 0.0)):
        command.add_argument("--out", type=nonempty_path, required=True,
                         help="folder for the MIDI and WAV files")
        command.add_argument("--temperature", type=finite, default=temperature)
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--model", default=None,
                             help="folder with model.keras (default: the shipped model)")
        add_playback_options(command)


def train_command(arguments):
    if arguments.bars < 1:
        raise UsageError("musiclab: --bars must be at least 1")
    options = training_options(arguments)
    from musiclab.vae.model import MelodyVAEConfig  # Keras loads after --backend is set
    from musiclab.vae.training import train_vae

    splits = load_splits(arguments.corpus)
    names, styles = (), None
    if arguments.styles:
        names = tuple(sorted({str(region) for region in splits["train"].metadata["region"]}))
        labelled = {name: style_windows(part, names, bars=arguments.bars)
                    for name, part in splits.items()}
        windows = {name: tokens for name, (tokens, _) in labelled.items()}
        styles = {name: labels for name, (_, labels) in labelled.items()}
        print(f"conditioned on {len(names)} styles: {', '.join(names)}")
    else:
        windows = {name: part.windows(bars=arguments.bars).tokens
                   for name, part in splits.items()}
    if arguments.smoke:
        config = MelodyVAEConfig.smoke(bars=arguments.bars)
    else:  # a flat decoder for short melodies, a hierarchical one beyond 2 bars
        base = MelodyVAEConfig.default() if arguments.bars <= 2 else \
            MelodyVAEConfig.default_16_bars()
        config = base.replace(bars=arguments.bars)
    config = config.replace(styles=names)
    train, valid = windows["train"], windows["valid"]
    if not len(train) or not len(valid):
        raise UsageError(f"musiclab: {arguments.corpus}: too few {arguments.bars}-bar windows "
                         "to train on")
    print(f"{len(train)} training and {len(valid)} validation windows of {arguments.bars} bars")
    _, state = train_vae(config, train, valid, steps=arguments.steps, folder=arguments.out,
                         train_styles=None if styles is None else styles["train"],
                         valid_styles=None if styles is None else styles["valid"], **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation accuracy "
          f"{last['valid_accuracy']:.3f} (teacher-forced), KL {last['kl_bits']:.1f} bits; "
          f"model in {arguments.out}")
    return 0


def _model(arguments, least_count):
    """Check the melody commands' options, then load the model they play."""
    if arguments.count < least_count:
        raise UsageError(f"musiclab: --count must be at least {least_count}")
    check_playback(arguments)
    check_memory("--count", arguments.count * MAX_STEPS * audio_bytes_per_step(arguments.tempo))
    if arguments.model:
        from musiclab.vae.model import load_vae  # Keras loads on first use

        return load_vae(Path(arguments.model) / "model.keras")
    from musiclab.vae.shipped import pretrained_vae

    return pretrained_vae()


def _write_melodies(melodies, arguments, stem):
    options = {"instrument": arguments.instrument, "tempo": arguments.tempo}
    for number, melody in enumerate(melodies, start=1):
        export_midi(melody, arguments.out, f"{stem}_{number}", **options)
    joined = np.concatenate(list(melodies))
    export_midi(joined, arguments.out, stem, **options)
    path = export_wav(joined, arguments.out, stem, **options)
    print(f"wrote {len(melodies)} melodies to {arguments.out} ({path.name} plays them in turn)")
    return 0


def generate_command(arguments):
    model = _model(arguments, 1)
    from musiclab.vae.generate import sample  # Keras is loaded by now

    melodies = sample(model, arguments.count, temperature=arguments.temperature,
                      seed=arguments.seed)
    return _write_melodies(melodies, arguments, "sample")


def interpolate_command(arguments):
    model = _model(arguments, 2)
    from musiclab.vae.generate import interpolate, melody_steps  # Keras is loaded by now

    steps = melody_steps(model)
    a, b = melody_window(arguments.a, steps), melody_window(arguments.b, steps)
    path = interpolate(model, a, b, count=arguments.count, temperature=arguments.temperature,
                       seed=arguments.seed)
    return _write_melodies(path, arguments, "interpolation")
