"""The WaveNet's command: ``musiclab train wavenet`` (``musiclab sample`` samples it).

Keras-backed modules are imported inside the handlers, after ``--backend`` is set.
"""

from musiclab.commands import (
    UsageError,
    add_training_options,
    check_at_least_one,
    finite,
    training_options,
)
from musiclab.data import corpus_pieces
from musiclab.data.sequences import load_pianoroll_benchmark


def register(commands, train):
    """Add ``train wavenet``."""
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
