"""The melody-with-harmony model's command: ``musiclab train harmony``.

Keras-backed modules are imported inside the handler, after ``--backend`` is set.
"""

from musiclab.commands import add_training_options, training_options
from musiclab.vocab import VOICES


def register(commands, train):
    """Add ``train harmony``."""
    harmony = train.add_parser("harmony", help="melody with harmony (four chorale voices)")
    add_training_options(harmony, batch_size=32)
    harmony.set_defaults(run=train_command)


def train_command(arguments):
    """Train melody with harmony on the chorales; print each voice's validation loss."""
    options = training_options(arguments)
    from musiclab.harmony.model import HarmonyConfig  # Keras loads after --backend is set
    from musiclab.harmony.run import chorale_grids, train_harmony

    config = HarmonyConfig.smoke() if arguments.smoke else HarmonyConfig.default()
    grids = chorale_grids(bars=4)
    print(f"{len(grids['train'])} training and {len(grids['valid'])} validation windows")
    _, state = train_harmony(config, grids["train"], grids["valid"], steps=arguments.steps,
                             folder=arguments.out, **options)
    last = state["history"][-1]
    losses = ", ".join(f"{name} {last[f'valid_{name}_loss']:.3f}" for name in VOICES)
    print(f"step {last['step']} on {state['device']}: validation loss per voice (nats/step): "
          f"{losses}; model in {arguments.out}")
    return 0
