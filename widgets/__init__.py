"""ipywidgets controls built on musiclab (musiclab itself never imports ipywidgets).

    TunePlayer()                    # search the bundled corpus, see and hear any tune
    LatentExplorer(model, corpus)   # hear a melody VAE's latent space
    SequenceSampler(model, corpus)  # sample from any next-step model (a WaveNet), continue a primer
    TrainingMonitor(sample=...)     # live curves and playable samples while any model trains
    GANPlayer(gan)                  # a piano-roll GAN's noise, one part at a time
    StyleTransfer(model, corpus)    # a tune before and after a move to another style
    AttentionExplorer(model, tunes) # which earlier notes a Transformer attends to, heard
    Quiz.interview()                # flash cards: the interview questions, answers on demand
    ListeningTest(store, test)      # take a listening test (A/B, human or machine, MOS, MUSHRA)
    ListeningResults(store, test)   # the teacher's live view of a test's answers
    InstrumentConverter(models)     # any recording played by a learned instrument, A/B

Every model widget reads the model's configuration from the model itself. ``_base`` holds
what they share (figures, error lines, showing music). ``LatentExplorer``,
``SequenceSampler``, ``GANPlayer``, ``StyleTransfer``, ``AttentionExplorer`` and
``InstrumentConverter`` are imported on first use, since they load Keras; the listening widgets
too (they load pandas).
"""

from widgets._base import figure_png
from widgets.quiz import Quiz
from widgets.training_monitor import TrainingMonitor
from widgets.tune_player import TunePlayer

__all__ = ["AttentionExplorer", "GANPlayer", "InstrumentConverter", "LatentExplorer",
           "ListeningResults", "ListeningTest", "Quiz", "SequenceSampler", "StyleTransfer",
           "TrainingMonitor", "TunePlayer", "figure_png"]

_LAZY = {"AttentionExplorer": "attention_explorer", "LatentExplorer": "latent_explorer",
         "GANPlayer": "gan_player", "SequenceSampler": "sequence_sampler",
         "StyleTransfer": "style_transfer", "ListeningTest": "listening_test",
         "ListeningResults": "listening_test", "InstrumentConverter": "instrument_converter"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"widgets.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
