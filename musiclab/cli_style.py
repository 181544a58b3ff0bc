"""``musiclab train classifier`` and ``musiclab train harmony`` (the style models' commands)."""

import os


def add_style_commands(train_commands):
    """Add the style classifier's and the harmony model's ``train`` subcommands."""
    classifier = train_commands.add_parser("classifier",
                                           help="the style classifier (region and dance type)")
    harmony = train_commands.add_parser("harmony",
                                        help="melody with harmony (four chorale voices)")
    for parser, batch in ((classifier, 64), (harmony, 32)):
        parser.add_argument("--steps", type=int, required=True, help="optimisation steps in all")
        parser.add_argument("--out", required=True,
                            help="the run's folder (resumes if it has one)")
        parser.add_argument("--batch-size", type=int, default=batch)
        parser.add_argument("--minutes", type=float, default=None,
                            help="stop after this much training")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--smoke", action="store_true",
                            help="a tiny model, for a quick check")
        parser.add_argument("--backend", choices=["tensorflow", "jax"], default=None,
                            help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")


def check_training_arguments(arguments, usage_error):
    """Check ``--steps``, ``--batch-size`` and ``--minutes``; set the backend.

    Returns:
        The time limit in seconds, or ``None``.
    """
    for name in ("steps", "batch_size"):
        if getattr(arguments, name) < 1:
            raise usage_error(f"musiclab: --{name.replace('_', '-')} must be at least 1")
    if arguments.minutes is not None and arguments.minutes <= 0:
        raise usage_error("musiclab: --minutes must be positive")
    if arguments.backend:
        os.environ["KERAS_BACKEND"] = arguments.backend
    return None if arguments.minutes is None else arguments.minutes * 60


def train_classifier(arguments, usage_error):
    """Train the style classifier on the bundled corpus; print its validation accuracy."""
    time_limit = check_training_arguments(arguments, usage_error)
    from musiclab.data import load_corpus
    from musiclab.models.style_classifier import StyleClassifierConfig
    from musiclab.style import labelled_tunes, train_style_classifier
    from musiclab.training import SPLIT

    config = StyleClassifierConfig.smoke() if arguments.smoke else StyleClassifierConfig.default()
    splits = load_corpus("all").split(**SPLIT)
    data = {name: labelled_tunes(part, config.regions, config.dances, config.steps)
            for name, part in splits.items()}
    print(f"{len(data['train'][0])} training and {len(data['valid'][0])} validation tunes")
    _, state = train_style_classifier(config, data["train"], data["valid"], arguments.steps,
                                      arguments.out, batch_size=arguments.batch_size,
                                      seed=arguments.seed, time_limit=time_limit)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation accuracy (balanced over "
          f"{', '.join(config.regions)}) {last['valid_accuracy']:.3f}; model in {arguments.out}")
    return 0


def train_harmony_model(arguments, usage_error):
    """Train melody with harmony on the chorales; print each voice's validation loss."""
    time_limit = check_training_arguments(arguments, usage_error)
    from musiclab.harmony import chorale_grids, train_harmony
    from musiclab.models.harmony import VOICES, HarmonyConfig

    config = HarmonyConfig.smoke() if arguments.smoke else HarmonyConfig.default()
    grids = chorale_grids(bars=4)
    print(f"{len(grids['train'])} training and {len(grids['valid'])} validation windows")
    _, state = train_harmony(config, grids["train"], grids["valid"], arguments.steps,
                             arguments.out, batch_size=arguments.batch_size,
                             seed=arguments.seed, time_limit=time_limit)
    last = state["history"][-1]
    losses = ", ".join(f"{name} {last[f'valid_{name}_loss']:.3f}" for name in VOICES)
    print(f"step {last['step']} on {state['device']}: validation loss per voice (nats/step): "
          f"{losses}; model in {arguments.out}")
    return 0
