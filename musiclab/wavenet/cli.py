"""The WaveNet's commands: ``musiclab train wavenet`` and ``musiclab sample``.

Keras-backed modules are imported inside the handlers, after ``--backend`` is set.
"""

from pathlib import Path

from musiclab.commands import (
    UsageError,
    add_backend_option,
    add_playback_options,
    add_training_options,
    audio_bytes_per_step,
    check_at_least_one,
    check_memory,
    check_playback,
    choose_backend,
    finite,
    load_input,
    nonempty_path,
    training_options,
)
from musiclab.data import corpus_pieces, encode_melody, encode_pianoroll
from musiclab.data.sequences import load_pianoroll_benchmark
from musiclab.export import export_midi, export_wav
from musiclab.vocab import KEYS


def register(commands, train):
    """Add ``train wavenet`` and ``sample``."""
    wavenet = train.add_parser("wavenet", help="a WaveNet (melody or piano roll)")
    source = wavenet.add_mutually_exclusive_group()
    source.add_argument("--corpus", default=None,
                        help="collection (bach, essen, oneill, ryan, all) or folder of files "
                             "(default: all)")
    source.add_argument("--data", default=None,
                        help="a piano-roll benchmark JSON file (JSB_Chorales.json, ...)")
    wavenet.add_argument("--head", choices=["melody", "pianoroll"], default=None,
                         help="what the model predicts (default: pianoroll with --data, "
                              "else melody)")
    wavenet.add_argument("--window", type=int, default=None, help="training crop length in steps")
    wavenet.add_argument("--channels", type=int, default=None)
    wavenet.add_argument("--dropout", type=finite, default=None)
    wavenet.add_argument("--transpose", type=int, default=None,
                         help="random transposition of training crops, up to this many semitones")
    wavenet.add_argument("--styles", action="store_true",
                         help="condition on the tunes' regions (corpus only)")
    add_training_options(wavenet, batch_size=16)
    wavenet.set_defaults(run=train_command)

    sample = commands.add_parser("sample",
                                 help="sample from a trained WaveNet (or continue a tune)")
    sample.add_argument("--model", required=True, help="a WaveNet run folder (model.keras)")
    sample.add_argument("--out", type=nonempty_path, required=True,
                         help="folder for the MIDI and WAV files")
    sample.add_argument("--length", type=int, default=128, help="new steps to generate")
    sample.add_argument("--count", type=int, default=1)
    sample.add_argument("--temperature", type=finite, default=1.0)
    sample.add_argument("--top-k", type=int, default=0, help="0 = off")
    sample.add_argument("--top-p", type=finite, default=1.0, help="1 = off (melody models)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--primer", default=None, help="a music file or corpus tune id to continue")
    sample.add_argument("--primer-steps", type=int, default=64,
                        help="steps of the primer to keep before continuing")
    sample.add_argument("--style", default=None, help="style name, for a conditioned model")
    add_playback_options(sample)
    add_backend_option(sample)
    sample.set_defaults(run=sample_command)


def train_command(arguments):
    check_at_least_one(arguments, "window", "channels")
    if arguments.dropout is not None and not 0 <= arguments.dropout < 1:
        raise UsageError("musiclab: --dropout must be in [0, 1)")
    if arguments.transpose is not None and not 0 <= arguments.transpose <= 12:
        raise UsageError("musiclab: --transpose must be in 0..12")
    if arguments.data and arguments.styles:
        raise UsageError("musiclab: --styles needs --corpus (benchmark files have no styles)")
    head = arguments.head or ("pianoroll" if arguments.data else "melody")
    if arguments.data and head != "pianoroll":
        raise UsageError("musiclab: --data files are piano rolls; use --head pianoroll")
    options = training_options(arguments)
    from musiclab.wavenet.model import WaveNetConfig  # Keras loads after --backend is set
    from musiclab.wavenet.training import train_wavenet

    labels, styles, steps_per_quarter = None, (), 4
    if arguments.data:
        pieces, steps_per_quarter = load_pianoroll_benchmark(arguments.data), 1
    else:
        pieces, labels, styles = corpus_pieces(arguments.corpus or "all", head, arguments.styles)
    base = WaveNetConfig.smoke(head, styles) if arguments.smoke else \
        WaveNetConfig.default(head, styles)
    changes = {name: getattr(arguments, name) for name in ("window", "channels", "dropout",
                                                           "transpose")
               if getattr(arguments, name) is not None}
    config = base.replace(steps_per_quarter=steps_per_quarter, **changes)
    if not pieces["train"] or not pieces["valid"]:
        raise UsageError(f"musiclab: {arguments.corpus}: too few tunes to train on")
    print(f"{len(pieces['train'])} training and {len(pieces['valid'])} validation pieces; "
          f"receptive field {config.receptive_field} steps")
    _, state = train_wavenet(config, pieces["train"], pieces["valid"], steps=arguments.steps,
                             folder=arguments.out,
                             train_labels=None if labels is None else labels["train"],
                             valid_labels=None if labels is None else labels["valid"], **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation loss {last['valid_loss']:.3f} "
          f"nats per step (best at step {state['best_step']}); model in {arguments.out}")
    return 0


def sample_command(arguments):
    check_playback(arguments)
    check_at_least_one(arguments, "length", "count", "primer_steps")
    if arguments.top_k < 0 or not 0 < arguments.top_p <= 1:
        raise UsageError("musiclab: --top-k must be >= 0 and --top-p in (0, 1]")
    steps = arguments.length + arguments.primer_steps
    check_memory("--count and --length", arguments.count * steps * (
        KEYS * 4 + audio_bytes_per_step(arguments.tempo)))
    choose_backend(arguments)
    from musiclab.nn.config import config_of  # Keras loads after --backend is set
    from musiclab.wavenet.model import load_wavenet
    from musiclab.wavenet.sample import generate

    model = load_wavenet(Path(arguments.model) / "model.keras")
    config = config_of(model)
    style = None
    if arguments.style is not None:
        if arguments.style not in config.styles:
            known = ", ".join(config.styles) or "none: the model is not conditioned"
            raise UsageError(f"musiclab: --style: unknown style {arguments.style!r} "
                             f"(known: {known})")
        style = config.styles.index(arguments.style)
    elif config.styles:
        style = 0
    primer = None
    if arguments.primer:
        music = load_input(arguments.primer)
        primer = encode_melody(music)[0] if config.head == "melody" else \
            encode_pianoroll(music, config.steps_per_quarter)
        primer = primer[:arguments.primer_steps]
    sequences = generate(model, length=arguments.length, temperature=arguments.temperature,
                         top_k=arguments.top_k, top_p=arguments.top_p, seed=arguments.seed,
                         primer=primer, style=style, count=arguments.count)
    options = {"instrument": arguments.instrument, "tempo": arguments.tempo,
               "steps_per_quarter": config.steps_per_quarter}
    for number, sequence in enumerate(sequences, start=1):
        export_midi(sequence, arguments.out, f"wavenet_{number}", **options)
        path = export_wav(sequence, arguments.out, f"wavenet_{number}", **options)
    print(f"wrote {len(sequences)} sequences of {sequences.shape[1]} steps to {arguments.out} "
          f"(last: {path.name}; temperature {arguments.temperature}, seed {arguments.seed})")
    return 0
