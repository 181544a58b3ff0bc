"""ipywidgets controls built on musiclab (musiclab itself never imports ipywidgets).

    TunePlayer()                    # search the bundled corpus, see and hear any tune
    LatentExplorer(model, corpus)   # hear a melody VAE's latent space

``LatentExplorer`` is imported on first use, since it loads Keras.
"""

from widgets.tune_player import TunePlayer, figure_png

__all__ = ["LatentExplorer", "TunePlayer", "figure_png"]


def __getattr__(name):
    if name == "LatentExplorer":
        from widgets.latent_explorer import LatentExplorer

        return LatentExplorer
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
