"""The piano-roll GAN's command: ``musiclab train gan``.

Keras-backed modules are imported inside the handler, after ``--backend`` is set.
"""

from musiclab.commands import UsageError, add_training_options, training_options


def register(commands, train):
    """Add ``train gan``."""
    gan = train.add_parser("gan", help="the piano-roll GAN (chorale phrases)")
    gan.add_argument("--corpus", default="bach", help="collection or folder (default: bach)")
    gan.add_argument("--tracks", type=int, choices=[1, 4], default=4,
                     help="4: soprano, alto, tenor, bass; 1: the melody")
    add_training_options(gan, batch_size=32, steps_help="generator updates in all")
    gan.set_defaults(run=train_command)


def train_command(arguments):
    options = training_options(arguments)
    from musiclab.gan.model import GANConfig  # Keras loads after --backend is set
    from musiclab.gan.run import chorale_phrases, train_gan

    phrases = chorale_phrases(arguments.corpus, tracks=arguments.tracks)
    if len(phrases["train"]) < 2 or len(phrases["valid"]) < 1:
        kind = "four-voice 4/4" if arguments.tracks == 4 else "4/4"
        raise UsageError(f"musiclab: {arguments.corpus}: too few {kind} phrases to train on")
    config = (GANConfig.smoke if arguments.smoke else GANConfig.default)(arguments.tracks)
    print(f"{len(phrases['train'])} training and {len(phrases['valid'])} validation phrases")
    _, state = train_gan(config, phrases["train"], phrases["valid"], steps=arguments.steps,
                         folder=arguments.out, **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: generated vs validation phrases: "
          f"QN {last['QN_generated']:.2f} / {last['QN_real']:.2f}, UPC {last['UPC_generated']:.2f}"
          f" / {last['UPC_real']:.2f}, EB {last['EB_generated']:.2f} / {last['EB_real']:.2f}"
          f"{'; ' + last['collapse'] if last['collapse'] else ''}; model in {arguments.out}")
    return 0
