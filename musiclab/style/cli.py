"""The style classifier's command: ``musiclab train classifier``.

Keras-backed modules are imported inside the handler, after ``--backend`` is set.
"""

from musiclab.commands import add_training_options, training_options
from musiclab.data import load_splits


def register(commands, train):
    """Add ``train classifier``."""
    classifier = train.add_parser("classifier",
                                  help="the style classifier (region and dance type)")
    add_training_options(classifier, batch_size=64)
    classifier.set_defaults(run=train_command)


def train_command(arguments):
    """Train the style classifier on the bundled corpus; print its validation accuracy."""
    options = training_options(arguments)
    from musiclab.style.classifier import (  # Keras loads after --backend is set
        StyleClassifierConfig,
        labelled_tunes,
        train_style_classifier,
    )

    config = StyleClassifierConfig.smoke() if arguments.smoke else StyleClassifierConfig.default()
    data = {name: labelled_tunes(part, config.regions, config.dances, config.steps)
            for name, part in load_splits("all").items()}
    print(f"{len(data['train'][0])} training and {len(data['valid'][0])} validation tunes")
    _, state = train_style_classifier(config, data["train"], data["valid"],
                                      steps=arguments.steps, folder=arguments.out, **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation accuracy (balanced over "
          f"{', '.join(config.regions)}) {last['valid_accuracy']:.3f}; model in {arguments.out}")
    return 0
