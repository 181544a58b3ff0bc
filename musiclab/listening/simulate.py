"""Simulated raters: a class whose answers follow known system qualities, for trying the
statistics before real people take a test, and for the lessons' analysis cells.

Everything made here is labelled simulated: each simulated rater's id starts with ``sim-``.

A careful rater hears system ``s`` with a quality ``q_s`` on a logit scale, plus their own
leniency and noise: P(prefer a over b) = sigmoid(q_a - q_b); P(judged human) = sigmoid(q_s);
a MOS score of about 3 + q_s; a MUSHRA score of about 100 sigmoid(q_s + 1). A careless rater
answers at random (and so fails attention checks).
"""

import io
import shutil
import wave
from pathlib import Path

import numpy as np

from musiclab.listening.designs import MOS_SCALE, Clip, Design, Session, create_test
from musiclab.listening.store import ResultsStore

SIMULATED_PREFIX = "sim-"


def _sigmoid(value):
    return 1.0 / (1.0 + np.exp(-value))


def simulated_answer(design, item, clips, quality, rng, *, careless=False, leniency=0.0):
    """One simulated rater's answer to an item shown with ``clips`` (the order shown).

    Args:
        design: the stored design; item: the item dict.
        quality: ``{system: quality}`` (logit scale; a missing system counts as 0).
        careless: answer at random.
        leniency: the rater's offset on score scales.

    Returns:
        An answer ``Session.answer`` accepts.
    """
    system_of = dict(zip(item["clips"], item["systems"]))
    level = {clip: quality.get(system_of[clip], 0.0) for clip in item["clips"]}
    kind = design["kind"]
    if kind == "ab":
        if careless:
            choice = str(rng.choice(["A", "B", "same"]))
        elif clips[0] == clips[1]:
            choice = "same" if rng.random() < 0.95 else str(rng.choice(["A", "B"]))
        else:
            choice = "A" if rng.random() < _sigmoid(level[clips[0]] - level[clips[1]]) else "B"
        return {"choice": choice, "order": list(clips)}
    if kind == "turing":
        if "check" in item and not careless:
            return {"human": bool(rng.random() < 0.03)}
        probability = 0.5 if careless else _sigmoid(level[clips[0]])
        return {"human": bool(rng.random() < probability)}
    if kind == "mos":
        answer = {}
        for criterion in design["criteria"]:
            if careless:
                score = rng.integers(MOS_SCALE[0], MOS_SCALE[1] + 1)
            elif item.get("check", {}).get("equals") is not None:
                score = item["check"]["equals"]
            else:
                score = np.rint(3 + level[clips[0]] + leniency + rng.normal(0, 0.7))
            answer[criterion] = int(np.clip(score, *MOS_SCALE))
        return answer
    scores = {}
    for clip in clips:
        if careless:
            score = rng.uniform(0, 100)
        elif clip == item["reference"]:
            score = rng.uniform(92, 100)
        else:
            score = 100 * _sigmoid(level[clip] + 1 + leniency) + rng.normal(0, 8)
        scores[str(clip)] = float(np.clip(np.round(score), 0, 100))
    return {"scores": scores}


def simulate_class(store, test, quality, *, raters=24, careless=3, seed=0):
    """Simulated raters take a test through ``Session`` (stored like real answers).

    Args:
        store: a ``ResultsStore``; test: its id or name.
        quality: ``{system: quality on a logit scale}``.
        raters: how many; careless: how many of them answer at random.
        seed: the simulation's seed.

    Returns:
        The simulated raters' ids (careless ones end in ``-careless``).
    """
    rng = np.random.default_rng(seed)
    made = []
    for number in range(raters):
        is_careless = number >= raters - careless
        rater = f"{SIMULATED_PREFIX}{seed}-{number:03d}" + ("-careless" if is_careless else "")
        store.add_rater(store.test_id(test), rater)
        session = Session(store, test, rater)
        leniency = rng.normal(0, 0.3)
        while (current := session.current()) is not None:
            item, clips = current
            answer = simulated_answer(session.design, item, clips, quality, rng,
                                      careless=is_careless, leniency=leniency)
            session.answer(item["id"], answer, seconds=float(rng.uniform(4, 20)),
                           plays=int(rng.integers(1, 4)), heard=float(rng.uniform(0.6, 1.0)))
        made.append(rater)
    return made


SIMULATED_QUALITY = {"real": 1.2, "melody_transformer": 0.4, "melody_wavenet": 0.0,
                     "melody_vae_2bar": -0.3, "shuffled": -3.0}
SIMULATED_DATABASE = "simulated_class.db"


def _silent_clip(system, index):
    """A hundredth of a second of silence standing in for a clip nobody heard."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(8000)
        file.writeframes(b"\0\0" * 80)
    return Clip(buffer.getvalue(), provenance={"system": system, "index": index,
                                               "simulated": True,
                                               "note": "silence: the answers are simulated"})


def build_simulated_class(folder, *, raters=30, careless=4, seed=0):
    """Make the simulated class's database (what ships as ``simulated_class.db``).

    Four tests, every name starting with "SIMULATED:", every rater id with ``sim-``: a
    Turing test, a MOS test, an A/B test of three models and a MUSHRA test, answered by
    simulated raters with the qualities of ``SIMULATED_QUALITY`` (made up, not measured).

    Args:
        folder: where to write ``simulated_class.db`` (replaced if there).

    Returns:
        The database's path.
    """
    path = Path(folder) / SIMULATED_DATABASE
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    store = ResultsStore(path)
    models = ["melody_vae_2bar", "melody_wavenet", "melody_transformer"]
    clips = {system: [_silent_clip(system, index) for index in range(6)]
             for system in ["real", *models, "shuffled"]}
    designs = [
        Design(name="SIMULATED: human or machine?", kind="turing", anchor="shuffled",
               systems={system: clips[system] for system in ["real", *models, "shuffled"]}),
        Design(name="SIMULATED: mean opinion score", kind="mos", anchor="shuffled",
               systems={system: clips[system] for system in ["real", *models, "shuffled"]}),
        Design(name="SIMULATED: which do you prefer?", kind="ab",
               systems={system: clips[system] for system in models}),
        Design(name="SIMULATED: MUSHRA", kind="mushra", anchor="shuffled",
               systems={system: clips[system][:4] for system in ["real", *models, "shuffled"]}),
    ]
    for number, design in enumerate(designs):
        create_test(store, design)
        simulate_class(store, design.name, SIMULATED_QUALITY, raters=raters, careless=careless,
                       seed=seed + number)
    with store._connect() as connection:  # fold the write-ahead log into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("VACUUM")
    return path


def simulated_class(folder):
    """A copy of the shipped simulated class's answers in ``folder``, opened.

    Returns:
        A ``ResultsStore`` (see ``build_simulated_class`` for what it holds).
    """
    source = Path(__file__).resolve().parent.parent / "_data" / "studies" / SIMULATED_DATABASE
    target = Path(folder) / SIMULATED_DATABASE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return ResultsStore(target)
