"""ipywidgets controls built on musiclab (musiclab itself never imports ipywidgets).

    from widgets import TunePlayer
    TunePlayer()          # search the bundled corpus, see and hear any tune
"""

from widgets.tune_player import TunePlayer, figure_png

__all__ = ["TunePlayer", "figure_png"]
