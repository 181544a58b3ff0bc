"""Training and generation with the piano-roll GAN: phrases, WGAN-GP runs, sampling, latent moves.

    phrases = chorale_phrases()                        # {"train": rolls, ...} (n, 32, 88, 4)
    gan, state = train_gan(GANConfig.default(), phrases["train"], phrases["valid"],
                           steps=3000, folder="runs/gan")
    rolls = generate(gan, count=8, seed=1)             # bool (8, 32, 88, 4)

Runs use ``musiclab.nn.loop.run_training``: atomic checkpoints (both networks and the
optimisers' state in one ``.keras`` file), resume, NaN stop, device
report, and ``best.keras`` at the checkpoint whose generated phrases are closest to the
validation phrases in EB, UPC and QN.
"""

import io
from pathlib import Path

import numpy as np

from musiclab import metrics
from musiclab.data.melody import tokens_to_notes
from musiclab.data.pianoroll import decode_pianoroll, events_to_pianoroll
from musiclab.data.splits import SPLIT, load_splits
from musiclab.gan.model import build_gan, parts, sample_latent, to_full_rolls, to_model_rolls
from musiclab.gan.wgan_gp import WGANGPStep
from musiclab.nn.config import config_of, read_extra
from musiclab.nn.loop import run_training
from musiclab.vocab import KEYS, VOICES

QUALITY_METRICS = ("EB (empty bars)", "UPC (pitch classes per bar)", "QN (qualified notes)")
OPTIMIZERS = "optimizers.npz"  # the optimisers' state, kept inside each checkpoint


def chorale_phrases(source="bach", bars=2, tracks=4):
    """Training phrases from the corpus as full 88-key rolls, split by piece.

    Args:
        source: a collection or folder (chorales with four voices for ``tracks=4``).
        bars: phrase length in 4/4 bars of 16 steps.
        tracks: 4 (soprano, alto, tenor, bass) or 1 (the melody).

    Returns:
        ``{split: bool array (n, bars * 16, 88, tracks)}``.
    """
    splits = load_splits(source)
    result = {}
    for name, part in splits.items():
        if tracks == 4:
            grids, _ = part.satb_windows(bars=bars, steps_per_bar=16)
        else:
            grids = part.windows(bars=bars, steps_per_bar=16).tokens[..., None]
        rolls = np.zeros(grids.shape[:2] + (KEYS, grids.shape[2]), bool)
        for index, grid in enumerate(grids):
            for voice in range(grid.shape[1]):
                rolls[index, :, :, voice] = events_to_pianoroll(
                    tokens_to_notes(grid[:, voice]), grid.shape[0])
        result[name] = rolls
    return result


def generate(gan, *, count=None, seed=0, latent=None, threshold=0.5, sample=False):
    """Piano rolls from the generator.

    Args:
        gan: a joined GAN (its ``GANConfig`` travels with it).
        count: how many (with fresh noise from ``seed``), or give ``latent``.
        seed: seed of the noise and of Bernoulli binarisation.
        latent: ``{part: array}`` as from ``pianoroll_gan.sample_latent``.
        threshold: keys whose output reaches it sound (deterministic binarisation).
        sample: binarise by Bernoulli sampling of each key's output instead.

    Returns:
        bool rolls ``(count, steps, 88, tracks)``.
    """
    config = config_of(gan)
    if latent is None:
        if count is None or count < 1:
            raise ValueError(f"count: must be at least 1, got {count}")
        latent = sample_latent(config, count, seed)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: must be in (0, 1], got {threshold}")
    generator, _ = parts(gan)
    values = generator.predict_on_batch(latent)
    rng = np.random.default_rng(seed + 1) if sample else None
    return to_full_rolls(values, config, threshold, rng)


def interpolate_latent(start, end, count):
    """Latents on the straight line between two latents (each part moves together).

    Returns:
        ``{part: array (count, ...)}``, ends included.
    """
    fractions = np.linspace(0.0, 1.0, count)[:, None]
    return {name: ((1 - fractions) * start[name].reshape(1, -1)
                   + fractions * end[name].reshape(1, -1)).reshape((count,) + start[name].shape[1:])
            .astype(np.float32) for name in start}


def vary_part(config, part, count, *, seed=0, base_seed=None):
    """Latents that hold every part but one fixed and draw ``part`` afresh for each.

    Args:
        config: the GAN's config.
        part: ``"chords"``, ``"style"``, ``"melody"`` (every track's) or ``"groove"``
            (every track's), or one input name such as ``"melody_0"``.
        count: how many variations.
        seed: seed of the varied part.
        base_seed: seed of the parts held fixed (default: ``seed + 1000``).

    Returns:
        ``{name: array (count, ...)}``.
    """
    names = [name for name in config.latent_shapes if name == part or name.split("_")[0] == part]
    if not names:
        raise ValueError(f"part: one of chords, style, melody, groove or an input name "
                         f"({', '.join(config.latent_shapes)}), got {part!r}")
    base = sample_latent(config, 1, seed + 1000 if base_seed is None else base_seed)
    fresh = sample_latent(config, count, seed)
    return {name: fresh[name] if name in names else np.repeat(base[name], count, axis=0)
            for name in config.latent_shapes}


def train_gan(config, train_rolls, valid_rolls, *, steps, folder, batch_size=32,
              checkpoint_every=100, seed=0, progress=True, on_checkpoint=None,
              time_limit=None, samples_for_metrics=128):
    """Train (or resume training) the GAN with WGAN-GP.

    Args:
        config: a ``GANConfig``.
        train_rolls, valid_rolls: bool ``(n, config.steps, 88, config.tracks)`` rolls.
        steps: generator updates wanted in all (each after ``config.critic_steps``
            critic updates); a resumed run does only the rest.
        folder: the run's folder.
        batch_size: phrases per update.
        checkpoint_every: steps between checkpoints (with metrics of generated phrases).
        seed: seed of initialisation, batches, noise.
        progress: show a progress bar.
        on_checkpoint: optional ``(gan, history_entry) -> None`` (e.g. a ``TrainingMonitor``).
        time_limit: optional seconds of training (see ``nn.loop.run_training``: it stops
            early enough for the last validation to end at the limit).
        samples_for_metrics: phrases generated at each checkpoint for the metrics.

    Returns:
        ``(gan, state)``; each history entry has the losses, the generated and validation
        EB/UPC/QN, ``valid_loss`` (their mean relative gap) and ``collapse`` (a warning or
        ``None``).
    """
    expected = (config.steps, 88, config.tracks)
    for name, rolls in (("train_rolls", train_rolls), ("valid_rolls", valid_rolls)):
        if np.ndim(rolls) != 4 or np.shape(rolls)[1:] != expected or not len(rolls):
            raise ValueError(f"{name}: expected shape (n, {', '.join(map(str, expected))}), "
                             f"got {np.shape(rolls)}")
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    data = to_model_rolls(train_rolls, config)
    reference = np.asarray(valid_rolls)[:samples_for_metrics]
    trainer, recent = {}, []

    def stepper(gan):
        if trainer.get("gan") is not gan:
            trainer["gan"], trainer["step"] = gan, WGANGPStep(gan)
            saved = read_extra(Path(folder) / "model.keras", OPTIMIZERS)
            if saved is not None:  # a resumed run: the optimisers' state of its checkpoint
                with np.load(io.BytesIO(saved), allow_pickle=False) as arrays:
                    trainer["step"].load_optimizer_arrays(arrays)
        return trainer["step"]

    def train_batch(gan, rng):
        count = config.critic_steps
        real = [data[rng.integers(0, len(data), batch_size)] for _ in range(count)]
        noise = [sample_latent(config, batch_size, int(rng.integers(2**31))) for _ in range(count)]
        mix = [rng.random((batch_size, 1, 1, 1)).astype(np.float32) for _ in range(count)]
        losses = stepper(gan).step(real, noise, mix)
        recent.append(losses)
        return losses["critic_loss"]

    def validate(gan):
        generated = generate(gan, count=samples_for_metrics, seed=seed)
        table = {row["metric"]: row for row in metrics.compare(reference, generated)}
        entry = {key: float(np.mean([losses[key] for losses in recent]))
                 for key in ("generator_loss", "gradient_penalty", "wasserstein")}
        recent.clear()
        gaps = []
        for name in QUALITY_METRICS:
            short = name.split()[0]
            entry[f"{short}_generated"] = table[name]["generated"]
            entry[f"{short}_real"] = table[name]["real"]
            real, made = table[name]["real"], table[name]["generated"]
            gaps.append(abs(made - real) / abs(real) if abs(real) > 0.05 else abs(made - real))
        entry["valid_loss"] = float(np.mean(gaps))
        entry["collapse"] = metrics.collapse_warning(generated, reference)
        return entry

    def optimizers(gan):
        buffer = io.BytesIO()
        np.savez(buffer, **stepper(gan).optimizer_arrays())
        return {OPTIMIZERS: buffer.getvalue()}

    return run_training(folder, config, build=lambda: build_gan(config),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_loss", "wasserstein"), on_checkpoint=on_checkpoint,
                        time_limit=time_limit, extra_state=optimizers)


def to_score(roll, steps_per_quarter=4):
    """One multi-track roll ``(steps, 88, tracks)`` as a music21 score, one part per track.

    Plays, engraves and exports like any other music in musiclab (``audio.render``,
    ``notation.show_score``, ``export.export_midi``), with an instrument per voice.
    """
    import music21  # heavy; loaded when a score is made

    roll = np.asarray(roll)
    if roll.ndim == 2:
        roll = roll[..., None]
    if roll.ndim != 3 or roll.shape[1] != KEYS:
        raise ValueError(f"roll: expected (steps, 88, tracks), got {roll.shape}")
    score = music21.stream.Score()
    for track in range(roll.shape[2]):
        part = decode_pianoroll(roll[:, :, track], steps_per_quarter)
        if isinstance(part, music21.stream.Score):  # chords that overlap: one part per track
            part, *others = part.parts  # all the same, so that each track keeps its instrument
            for other in others:
                for element in list(other.notes):
                    offset = element.getOffsetBySite(other)
                    other.remove(element)  # an element lives in one stream at a time
                    part.insert(offset, element)
        part.partName = VOICES[track] if roll.shape[2] == 4 else f"track {track + 1}"
        if part.recurse().notes:  # the clef that suits the notes (a bass part in bass clef)
            for old in list(part.recurse().getElementsByClass(music21.clef.Clef)):
                old.activeSite.remove(old)
            part.insert(0, music21.clef.bestClef(part, recurse=True))
        score.insert(0, part)
    return score


def held_out(gan, *, count=256, seed=0):
    """A chorale GAN's figures against the test split's real phrases (for its card):
    every ``metrics.compare`` row, the mean overlap of the per-phrase distributions, and
    the share of generated phrases that are near-copies of each other (mode collapse)."""
    phrases = chorale_phrases()
    real = phrases["test"]
    generated = generate(gan, count=count, seed=seed)
    rows = metrics.compare(real, generated)
    overlaps = [row["overlap"] for row in rows if row.get("overlap") is not None]
    def finite(value):  # JSON has no NaN: a figure a metric does not define is null
        return float(value) if value is not None and np.isfinite(value) else None

    figures = {row["metric"]: {key: finite(row.get(key)) for key in ("real", "generated",
                                                                     "overlap")}
               for row in rows}
    figures["mean_overlap"] = float(np.mean(overlaps))
    figures["diversity"] = float(metrics.diversity(generated))
    return {"data": {"corpus": "bach", "split": SPLIT, "train_phrases": int(len(phrases["train"])),
                     "test_phrases": int(len(real)), "generated": count},
            "held_out": figures}
