"""Melody with harmony: one network, one head and one loss per chorale voice.

    from musiclab import harmony
    grids = harmony.chorale_grids(bars=4)              # {split: (n, 64, 4)} SATB tokens
    model, state = harmony.train(harmony.HarmonyConfig.default(), grids["train"],
                                 grids["valid"], steps=20000, folder="runs/harmony")
    chorale = harmony.harmonize(model, soprano, temperature=0.8, seed=1)   # (steps, 4)

Files: ``model`` (config and the multi-task network), ``run`` (data, training,
per-voice scores, generation and harmonisation), ``cli``.
"""

from musiclab.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "HarmonyConfig": "model:HarmonyConfig", "build_harmony_model": "model:build_harmony_model",
    "load": "model:load_harmony_model", "load_harmony_model": "model:load_harmony_model",
    "chorale_grids": "run:chorale_grids", "transpose_grids": "run:transpose_grids",
    "task_scores": "run:task_scores", "train": "run:train_harmony",
    "train_harmony": "run:train_harmony", "generate_chorale": "run:generate_chorale",
    "harmonize": "run:harmonize",
})
