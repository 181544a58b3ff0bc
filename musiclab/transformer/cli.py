"""The Transformer's command: ``musiclab train transformer``.

    musiclab train transformer --steps 3000 --minutes 10 --styles --dances --out runs/transformer
    musiclab train transformer --data satb --benchmark jsb-chorales-16th.json ...
    musiclab train transformer --data remi --corpus my_midi_folder/ ...
    musiclab train transformer --lstm 256 ...          (the LSTM baseline, same data)
    musiclab train transformer --backend jax --devices 8 [--model-parallel 2] ...

Keras-backed modules are imported inside the handler, after ``--backend`` is set.
"""

from musiclab.commands import (
    UsageError,
    add_training_options,
    check_at_least_one,
    finite,
    training_options,
)

SIZE_OPTIONS = ("context", "window", "model_dim", "layers", "heads", "feed_forward_dim")


def register(commands, train):
    """Add ``train transformer``."""
    parser = train.add_parser("transformer", help="a decoder-only Transformer (or an LSTM "
                                                  "baseline) over melody, SATB or REMI tokens")
    parser.add_argument("--data", choices=["melody", "satb", "remi"], default="melody",
                        help="melody tokens (default), chorales voice by voice, or REMI events")
    parser.add_argument("--corpus", default=None,
                        help="collection or folder (melody: default all; satb: bach; remi: "
                             "bach or a folder of MIDI files)")
    parser.add_argument("--benchmark", default=None,
                        help="with --data satb: a JSB Chorales JSON file (its own split)")
    parser.add_argument("--styles", action="store_true",
                        help="condition on the tunes' regions (melody data)")
    parser.add_argument("--dances", action="store_true",
                        help="also condition on dance types: reel, jig... (melody data)")
    parser.add_argument("--position", choices=["relative", "rotary", "absolute"], default=None,
                        help="position scheme (default relative)")
    for name in SIZE_OPTIONS:
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=None)
    parser.add_argument("--dropout", type=finite, default=None)
    parser.add_argument("--learning-rate", type=finite, default=None)
    parser.add_argument("--transpose", type=int, default=None,
                        help="random transposition of crops, up to this many semitones")
    parser.add_argument("--lstm", type=int, default=None, metavar="UNITS",
                        help="train the LSTM baseline of this width instead (--layers deep)")
    parser.add_argument("--devices", type=int, default=1,
                        help="devices to train on, data parallel (JAX backend)")
    parser.add_argument("--model-parallel", type=int, default=1,
                        help="split the largest weights over this many of the devices")
    add_training_options(parser, batch_size=16)
    parser.set_defaults(run=train_command)


def _data(arguments):
    from musiclab.transformer import tokens

    if arguments.benchmark:
        if arguments.data != "satb":
            raise UsageError("musiclab: --benchmark files are chorales; use --data satb")
        return tokens.jsb_data(arguments.benchmark)
    if arguments.data == "melody":
        return tokens.melody_data(arguments.corpus or "all", styles=arguments.styles,
                                  dances=arguments.dances)
    if arguments.data == "satb":
        return tokens.satb_data(arguments.corpus or "bach")
    data = tokens.remi_data(arguments.corpus or "bach")
    for line in data.skipped:
        print(f"skipped {line}")
    return data


def train_command(arguments):
    check_at_least_one(arguments, *SIZE_OPTIONS, "lstm", "devices", "model_parallel")
    if (arguments.styles or arguments.dances) and arguments.data != "melody":
        raise UsageError("musiclab: --styles and --dances apply to melody data")
    if arguments.dropout is not None and not 0 <= arguments.dropout < 1:
        raise UsageError("musiclab: --dropout must be in [0, 1)")
    if arguments.transpose is not None and not 0 <= arguments.transpose <= 12:
        raise UsageError("musiclab: --transpose must be in 0..12")
    if arguments.devices % arguments.model_parallel:
        raise UsageError("musiclab: --devices must be a multiple of --model-parallel")
    options = training_options(arguments)
    from musiclab.transformer.distributed import use_devices  # Keras after --backend is set
    from musiclab.transformer.model import LSTMConfig, TransformerConfig
    from musiclab.transformer.training import train_transformer

    data = _data(arguments)
    use_devices(arguments.devices, model_parallel=arguments.model_parallel)
    base = TransformerConfig.smoke() if arguments.smoke else TransformerConfig.default()
    changes = {name: getattr(arguments, name) for name in (*SIZE_OPTIONS, "position", "dropout",
                                                           "learning_rate", "transpose")
               if getattr(arguments, name) is not None}
    if arguments.lstm:
        changes["units"] = arguments.lstm
        base = LSTMConfig(**{name: getattr(base, name) for name in
                             ("context", "window", "model_dim", "layers", "heads")})
    try:
        config = base.replace(**data.config_fields(), **changes)
    except ValueError as error:
        raise UsageError(f"musiclab: {error}") from None
    print(f"{len(data.pieces['train'])} training pieces ({data.tokens('train'):,} tokens), "
          f"{len(data.pieces['valid'])} validation pieces; {data.content_size} content tokens"
          + (f", styles: {', '.join(data.styles)}" if data.styles else "")
          + (f", dances: {', '.join(data.dances)}" if data.dances else ""))
    _, state = train_transformer(config, data, steps=arguments.steps, folder=arguments.out,
                                 **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation loss {last['valid_loss']:.3f} "
          f"nats per token (best at step {state['best_step']}); model in {arguments.out}")
    return 0
