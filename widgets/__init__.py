"""ipywidgets controls built on musiclab (musiclab itself never imports ipywidgets).

    TunePlayer()                    # search the bundled corpus, see and hear any tune
    LatentExplorer(model, corpus)   # hear a melody VAE's latent space
    Sampler(model, config, corpus)  # sample from a WaveNet, continue a primer
    TrainingMonitor(sample=...)     # live curves and playable samples while any model trains
    GANPlayer(gan, config)          # a piano-roll GAN's noise, one part at a time
    StyleTransfer(model, corpus)    # a tune before and after a move to another style

``LatentExplorer``, ``Sampler``, ``GANPlayer`` and ``StyleTransfer`` are imported on first use,
since they load Keras.
"""

from widgets.training_monitor import TrainingMonitor
from widgets.tune_player import TunePlayer, figure_png

__all__ = ["GANPlayer", "LatentExplorer", "Sampler", "StyleTransfer", "TrainingMonitor",
           "TunePlayer", "figure_png"]


def __getattr__(name):
    if name == "LatentExplorer":
        from widgets.latent_explorer import LatentExplorer

        return LatentExplorer
    if name == "GANPlayer":
        from widgets.gan_player import GANPlayer

        return GANPlayer
    if name == "Sampler":
        from widgets.sampler import Sampler

        return Sampler
    if name == "StyleTransfer":
        from widgets.style_transfer import StyleTransfer

        return StyleTransfer
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
