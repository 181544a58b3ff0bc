"""Training a timbre model, and what it is judged by: held-out tunes converted from piano.

The judgement (``transfer_figures``): a held-out tune rendered by the soundfont's piano is
converted, and compared with the same tune rendered by the soundfont's instrument, the
reference, by ``sound.features.multi_scale_spectral_distance``. Two baselines get the same
comparison: the piano render itself, and ``convert.fixed_spectrum`` (the same pitch and
loudness through one fixed spectrum). The pitch kept is the share of voiced frames whose
pitch in the conversion is within 50 cents of the input's.
"""

import numpy as np

from musiclab.data.splits import SPLIT, corpus_pieces
from musiclab.nn.config import config_of
from musiclab.nn.loop import run_training
from musiclab.sound.audio import Audio
from musiclab.sound.features import cents, fundamental_frequency, multi_scale_spectral_distance
from musiclab.timbre.convert import convert, fixed_spectrum
from musiclab.timbre.data import analyse, crops, render_melody
from musiclab.timbre.model import build_timbre
from musiclab.timbre.synth import SAMPLE_RATE

VALID_CROPS = 32  # validation crops, drawn once with a fixed seed
PITCH_TOLERANCE = 50  # cents: the pitch is kept within a quarter tone
HELD_OUT_TUNES = 5
HELD_OUT_SECONDS = 12.0


def train_timbre(config, train_clips, valid_clips, *, steps, folder, batch_size=8,
                 checkpoint_every=250, seed=0, progress=True, on_checkpoint=None,
                 time_limit=None):
    """Train (or resume training) a timbre model on random crops of the clips.

    Args:
        config: a ``TimbreConfig`` (its ``loudness_levels`` should be
            ``model.loudness_levels(train_clips)``).
        train_clips, valid_clips: lists of ``data.Clip``.
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder.
        batch_size: crops per step.
        checkpoint_every, seed, progress, on_checkpoint, time_limit: as
            ``nn.loop.run_training``.

    Returns:
        ``(model, state)``; the history's ``valid_loss`` is the spectral loss on fixed
        validation crops.
    """
    for name, clips in (("train_clips", train_clips), ("valid_clips", valid_clips)):
        if not clips:
            raise ValueError(f"{name}: no recordings to train on")
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    valid_f0, valid_loudness, valid_audio = crops(valid_clips, config.crop_frames, VALID_CROPS,
                                                  np.random.default_rng(12345))

    def train_batch(model, rng):
        f0, loudness, audio = crops(train_clips, config.crop_frames, batch_size, rng)
        return model.train_on_batch([f0, loudness], audio)

    def validate(model):
        loss = model.evaluate([valid_f0, valid_loudness], valid_audio, batch_size=batch_size,
                              verbose=0)
        return {"valid_loss": float(loss)}

    return run_training(folder, config, build=lambda: build_timbre(config),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_loss",), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


def pitch_kept(converted, source, *, tolerance=PITCH_TOLERANCE):
    """The share of the source's voiced frames whose pitch the conversion keeps.

    Args:
        converted, source: mono ``(n,)`` at 16 kHz (``converted`` moved by no octave).

    Returns:
        A float in 0..1 (a frame the conversion leaves unvoiced counts as not kept).
    """
    return pitch_agreement(fundamental_frequency(converted, SAMPLE_RATE)[0],
                           fundamental_frequency(source, SAMPLE_RATE)[0], tolerance=tolerance)


def pitch_agreement(played, reference, *, tolerance=PITCH_TOLERANCE):
    """``pitch_kept`` from the two pitch curves (``fundamental_frequency``, NaN unvoiced)."""
    frames = min(len(reference), len(played))
    reference, played = reference[:frames], played[:frames]
    voiced = ~np.isnan(reference)
    if not voiced.any():
        return 0.0
    error = np.abs(cents(played[voiced], reference[voiced]))
    return float(np.mean(np.nan_to_num(error, nan=np.inf) <= tolerance))


def held_out_pairs(instrument, *, tunes=HELD_OUT_TUNES, seconds=HELD_OUT_SECONDS, source="all"):
    """Test-split tunes rendered by the piano and by ``instrument`` (tempo 110, velocity 90).

    Returns:
        A list of ``(name, piano (n,), reference (n,))`` at 16 kHz, at the shared loudness.
    """
    pieces, _, _ = corpus_pieces(source, "melody")
    pairs = []
    for index, tokens in enumerate(pieces["test"]):
        renders = [Audio(render_melody(tokens, name, max_seconds=seconds),
                         SAMPLE_RATE).normalized().samples for name in ("piano", instrument)]
        try:
            analyse(renders[0], "piano")
        except ValueError:  # rests only
            continue
        length = min(map(len, renders))
        pairs.append((f"test tune {index}", renders[0][:length], renders[1][:length]))
        if len(pairs) == tunes:
            break
    return pairs


def transfer_figures(model, pairs):
    """The spectral distances of conversion and baselines to the references, and pitch kept.

    Returns:
        ``{"conversion", "piano_input", "fixed_spectrum", "pitch_kept"}``: each distance the
        mean over ``pairs``; ``pitch_kept`` the mean share of voiced frames within 50 cents.
    """
    totals = {"conversion": [], "piano_input": [], "fixed_spectrum": [], "pitch_kept": []}
    for _, piano, reference in pairs:
        converted = convert(model, piano).samples
        baseline = fixed_spectrum(piano, harmonics=config_of(model).harmonics,
                                  loudness_quantiles=config_of(model).loudness_quantiles).samples
        totals["conversion"].append(multi_scale_spectral_distance(converted, reference))
        totals["piano_input"].append(multi_scale_spectral_distance(piano, reference))
        totals["fixed_spectrum"].append(multi_scale_spectral_distance(baseline, reference))
        totals["pitch_kept"].append(pitch_kept(converted, piano))
    return {name: float(np.mean(values)) for name, values in totals.items()}


def held_out(model):
    """A timbre model's card figures: piano renders of held-out tunes converted.

    Returns:
        ``{"data": {...}, "held_out": {...}}`` (``transfer_figures`` of five test tunes).
    """
    config = config_of(model)
    reference = config.instrument if config.source == "soundfont" else "violin"
    pairs = held_out_pairs(reference)
    return {"data": {"corpus": "all", "split": SPLIT, "instrument": config.instrument,
                     "source": config.source, "reference": f"soundfont {reference}",
                     "test_tunes": [name for name, _, _ in pairs],
                     "seconds_each": HELD_OUT_SECONDS},
            "held_out": transfer_figures(model, pairs)}
