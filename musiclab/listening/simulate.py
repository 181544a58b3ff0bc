"""Simulated raters: a class whose answers follow known system qualities, for trying the
statistics before real people take a test, and for the lessons' analysis cells.

Everything made here is labelled simulated: each simulated rater's id starts with ``sim-``.

A careful rater hears system ``s`` with a quality ``q_s`` on a logit scale, plus their own
leniency and noise: P(prefer a over b) = sigmoid(q_a - q_b); P(judged human) = sigmoid(q_s);
a MOS score of about 3 + q_s; a MUSHRA score of about 100 sigmoid(q_s + 1). A careless rater
answers at random (and so fails attention checks).
"""

import numpy as np

from musiclab.listening.designs import MOS_SCALE, Session

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
