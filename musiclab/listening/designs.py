"""Listening-test designs: a few lines of Python or YAML become items, per-rater orders and
attention checks.

Four designs, as the field runs them:

* ``"ab"``: blind A/B preference (ITU-R BS.1116 style): two clips, "A", "B" or "no
  difference"; attention check: an identical pair, where the right answer is "no difference".
* ``"turing"``: "human or machine?", one clip at a time; attention check: a clip of the
  ``anchor`` system (clearly machine-made, such as shuffled notes), or an instructed item.
* ``"mos"``: a 1-5 absolute category rating per named criterion (ITU-T P.800 style);
  attention check: an ``anchor`` clip that should score at most 2, or an instructed item.
* ``"mushra"``: ITU-R BS.1534: every system's version of one excerpt on 0-100 sliders, next to
  the labelled reference, with the reference hidden among them (and a low ``anchor``); the
  hidden reference is the attention check (scored at least 90).

Clips at the same position in each system's list are versions of the same excerpt (the same
tune, the same seed); MUSHRA and A/B pair them that way.

    design = Design(name="human or machine?", kind="turing",
                    systems={"real": ["real1.wav", "real2.wav"], "vae": ["vae1.wav", "vae2.wav"]},
                    anchor="shuffled")            # or Design.from_yaml("test.yaml")
    test = create_test(store, design)             # audio read, items built, one transaction
    session = Session(store, test)                # one rater: a balanced order, resumable
"""

import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

KINDS = ("ab", "turing", "mos", "mushra")
AB_CHOICES = ("A", "B", "same")
MOS_SCALE = (1, 5)
MUSHRA_SCALE = (0, 100)
HIDDEN_REFERENCE_PASS = 90  # BS.1534 post-screening: the hidden reference scored >= 90
ANCHOR_MOS_PASS = 2  # an anchor clip scored at most this on every criterion
MAX_AUDIO_BYTES = 50_000_000  # one clip; a 2-hour WAV is a mistake in a listening test
QUESTIONS = {
    "ab": "Which of the two do you prefer?",
    "turing": "Was this played from music a person composed, or made by a machine?",
    "mos": "Rate the clip from 1 (bad) to 5 (excellent) on each criterion.",
    "mushra": "Rate every version against the reference, from 0 (bad) to 100 (excellent). "
              "One of them is the reference itself.",
}
TRAINING = {
    "ab": "You will hear pairs of short clips. Play both, as often as you like, then choose the "
          "one you prefer, or 'no difference' if you hear none. Set your volume on the practice "
          "clip below first.",
    "turing": "You will hear short clips. Some are melodies people composed, some were made by "
              "a machine. After each, say which you think it is. Set your volume on the practice "
              "clip below first.",
    "mos": "You will hear short clips. Rate each from 1 (bad) to 5 (excellent) on every "
           "criterion. Set your volume on the practice clip below first.",
    "mushra": "Each page has a reference and several versions of it. Rate how close and how good "
              "each version is, from 0 to 100; one version is the reference itself, so give it "
              "100. Set your volume on the practice clip below first.",
}


@dataclass
class Clip:
    """One stimulus: audio (WAV bytes), its MIDI if any, and where it came from."""

    audio: bytes
    midi: bytes | None = None
    provenance: dict = field(default_factory=dict)


@dataclass
class Design:
    """A listening test in a few lines.

    Args:
        name: the test's name (unique in its database).
        kind: ``"ab"``, ``"turing"``, ``"mos"`` or ``"mushra"``.
        systems: ``{system: [clips]}``; a clip is a WAV path or a ``Clip``. "real" names music
            people composed.
        criteria: the MOS criteria.
        reference: MUSHRA's reference system (default "real").
        anchor: a system whose clips serve as attention checks (Turing, MOS) or as MUSHRA's
            low anchor.
        attention_checks: how many checks each rater meets (A/B, Turing, MOS).
        items_per_rater: how many items each rater answers (``None``: all); balanced so that
            every item is answered about equally often.
        question, training: the text above every item and on the training page.
        seed: the order's seed.
    """

    name: str
    kind: str
    systems: dict
    criteria: tuple = ("musicality", "coherence", "style fit")
    reference: str = "real"
    anchor: str | None = None
    attention_checks: int = 2
    items_per_rater: int | None = None
    question: str | None = None
    training: str | None = None
    seed: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.systems, dict) or not self.systems:
            raise ValueError("systems: a mapping {system: [clips]} with at least one system")
        for system, clips in self.systems.items():
            if isinstance(clips, str | Path | Clip) or not list(clips):
                raise ValueError(f"systems: {system!r} needs a list of at least one clip")
        self.systems = {str(system): list(clips) for system, clips in self.systems.items()}
        self.criteria = tuple(self.criteria)
        rated = [system for system in self.systems if system != self.anchor]
        if self.kind == "ab" and len(rated) < 2:
            raise ValueError("systems: an A/B test compares at least two systems")
        if self.kind == "mos" and not self.criteria:
            raise ValueError("criteria: a MOS test rates at least one criterion")
        if self.kind == "mushra":
            if self.reference not in self.systems:
                raise ValueError(f"reference: {self.reference!r} is not one of the systems "
                                 f"({', '.join(self.systems)})")
            if len({len(clips) for clips in self.systems.values()}) != 1:
                raise ValueError("systems: a MUSHRA test needs the same number of clips from "
                                 "every system (one version of each excerpt)")
        if self.anchor is not None and self.anchor not in self.systems:
            raise ValueError(f"anchor: {self.anchor!r} is not one of the systems")
        if self.attention_checks < 0:
            raise ValueError(f"attention_checks: 0 or more, got {self.attention_checks}")
        if self.items_per_rater is not None and self.items_per_rater < 1:
            raise ValueError(f"items_per_rater: at least 1, got {self.items_per_rater}")
        self.question = self.question or QUESTIONS[self.kind]
        self.training = self.training or TRAINING[self.kind]

    @classmethod
    def from_dict(cls, settings, folder=None):
        """A design from a dict (a parsed YAML file); relative clip paths from ``folder``."""
        if not isinstance(settings, dict):
            raise ValueError("design: expected a mapping of settings")
        unknown = set(settings) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"design: unknown setting(s) {', '.join(sorted(unknown))}")
        settings = dict(settings)
        if folder is not None:
            settings["systems"] = {
                system: [Path(folder, clip) if isinstance(clip, str) else clip
                         for clip in clips] if isinstance(clips, list) else clips
                for system, clips in (settings.get("systems") or {}).items()}
        try:
            return cls(**settings)
        except TypeError as error:
            raise ValueError(f"design: {error}") from None

    @classmethod
    def from_yaml(cls, path):
        """A design from a YAML file (clip paths relative to the file).

        Raises:
            ValueError: naming the file when it is missing, not YAML or not a design.
        """
        path = Path(path)
        try:
            settings = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ValueError(f"{path}: not a readable YAML design ({reason})") from None
        try:
            return cls.from_dict(settings, folder=path.parent)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    def spec(self):
        """The design's settings as JSON-ready data (clips as paths or provenance)."""
        settings = asdict(self)
        settings["systems"] = {system: [str(clip) if not isinstance(clip, Clip)
                                        else clip.provenance for clip in clips]
                               for system, clips in self.systems.items()}
        settings["criteria"] = list(self.criteria)
        return settings


def read_clip(clip):
    """A ``Clip`` from a WAV path (checked) or a ``Clip`` as it is.

    Raises:
        ValueError: naming the file when it is missing, empty, too large or not WAV audio.
    """
    if isinstance(clip, Clip):
        if not isinstance(clip.audio, bytes | bytearray) or not clip.audio:
            raise ValueError(f"clip {clip.provenance or ''}: audio must be WAV bytes".strip())
        return clip
    path = Path(clip)
    if not path.is_file():
        raise ValueError(f"{path}: no such audio file")
    size = path.stat().st_size
    if size > MAX_AUDIO_BYTES:
        raise ValueError(f"{path}: {size / 1e6:.0f} MB is too large for a listening-test clip "
                         f"(at most {MAX_AUDIO_BYTES // 1_000_000} MB; cut an excerpt)")
    audio = path.read_bytes()
    if len(audio) < 44 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    return Clip(audio=audio, provenance={"file": str(path)})


def build_items(design, stimulus_ids):
    """The test's items and attention checks.

    Args:
        design: a ``Design``.
        stimulus_ids: ``{system: [stimulus id per clip]}``.

    Returns:
        A list of dicts: ``id``, ``clips`` (stimulus ids), ``systems`` (one per clip) and, for
        attention checks, ``check`` (what a careful rater answers); MUSHRA items also
        ``reference`` (the labelled reference's stimulus id).
    """
    rated = [system for system in design.systems if system != design.anchor]
    items = []
    if design.kind == "ab":
        for first, second in itertools.combinations(rated, 2):
            count = min(len(stimulus_ids[first]), len(stimulus_ids[second]))
            for index in range(count):
                items.append({"id": f"ab-{first}-{second}-{index}",
                              "clips": [stimulus_ids[first][index], stimulus_ids[second][index]],
                              "systems": [first, second]})
        sources = [(system, clip) for system in rated for clip in stimulus_ids[system]]
        for number in range(design.attention_checks):
            system, clip = sources[number % len(sources)]
            items.append({"id": f"check-{number}", "clips": [clip, clip],
                          "systems": [system, system], "check": {"choice": "same"}})
    elif design.kind in ("turing", "mos"):
        for system in rated:
            items += [{"id": f"{system}-{index}", "clips": [clip], "systems": [system]}
                      for index, clip in enumerate(stimulus_ids[system])]
        instructed = {"turing": ({"human": False}, "Attention check: answer 'machine'."),
                      "mos": ({"equals": 2}, "Attention check: answer 2 on every criterion.")}
        anchored = {"turing": {"human": False}, "mos": {"at_most": ANCHOR_MOS_PASS}}
        for number in range(design.attention_checks):
            if design.anchor is not None:  # a clip made to fail: the listener must hear it
                system = design.anchor
                check, instruction = anchored[design.kind], None
            else:  # an instructed item: the clip does not matter, the instruction does
                system = rated[number % len(rated)]
                check, instruction = instructed[design.kind]
            clip = stimulus_ids[system][number % len(stimulus_ids[system])]
            item = {"id": f"check-{number}", "clips": [clip], "systems": [system],
                    "check": check}
            if instruction:
                item["instruction"] = instruction
            items.append(item)
    else:  # mushra
        for index in range(len(stimulus_ids[design.reference])):
            systems = list(design.systems)
            items.append({"id": f"excerpt-{index}",
                          "reference": stimulus_ids[design.reference][index],
                          "clips": [stimulus_ids[system][index] for system in systems],
                          "systems": systems,
                          "check": {"hidden_reference_at_least": HIDDEN_REFERENCE_PASS}})
    return items


def rater_order(design_data, rater_number):
    """The items one rater answers, in order, and how each is presented.

    Balanced across raters: a seeded base order is rotated by the rater's number (a Latin
    square's rows), so every item takes every position equally often and, with
    ``items_per_rater``, every item is answered about equally often; A/B pairs swap sides for
    every other rater; MUSHRA's clips are shuffled per rater; attention checks are spread
    through the order.

    Args:
        design_data: the stored design (``Design.spec()`` plus ``items``).
        rater_number: 0 for the test's first rater, 1 for the next...

    Returns:
        A list of ``(item id, [stimulus ids in the order shown])``.
    """
    items = design_data["items"]
    regular = [item for item in items if "check" not in item or design_data["kind"] == "mushra"]
    checks = [item for item in items if "check" in item and design_data["kind"] != "mushra"]
    base = np.random.default_rng(design_data["seed"]).permutation(len(regular))
    shift = (rater_number * max(1, design_data.get("items_per_rater") or 1)) % max(1, len(base))
    rotated = [regular[index] for index in np.roll(base, -shift)]
    if design_data.get("items_per_rater"):
        rotated = rotated[:design_data["items_per_rater"]]
    rng = np.random.default_rng([design_data["seed"], rater_number])
    order = list(rotated)
    for number, check in enumerate(checks):  # spread: the k-th check near (k+1)/(n+1)
        position = round((number + 1) * (len(order) + 1) / (len(checks) + 1))
        order.insert(min(position, len(order)), check)
    presented = []
    for index, item in enumerate(order):
        clips = list(item["clips"])
        if design_data["kind"] == "ab" and (rater_number + index) % 2:
            clips.reverse()
        elif design_data["kind"] == "mushra":
            clips = [clips[position] for position in rng.permutation(len(clips))]
        presented.append((item["id"], clips))
    return presented


def check_answer(design_data, item, answer):
    """Validate an answer to an item.

    Raises:
        ValueError: naming what is wrong ("answer: ...").
    """
    kind = design_data["kind"]
    if not isinstance(answer, dict):
        raise ValueError(f"answer: expected a mapping, got {answer!r}")
    if kind == "ab":
        if answer.get("choice") not in AB_CHOICES:
            raise ValueError(f"answer: choice must be one of {AB_CHOICES}, got "
                             f"{answer.get('choice')!r}")
        if sorted(answer.get("order") or []) != sorted(item["clips"]):
            raise ValueError("answer: order must list the pair's two clips as shown")
    elif kind == "turing":
        if not isinstance(answer.get("human"), bool):
            raise ValueError("answer: 'human' must be true or false")
    elif kind == "mos":
        for criterion in design_data["criteria"]:
            score = answer.get(criterion)
            if not isinstance(score, int) or not MOS_SCALE[0] <= score <= MOS_SCALE[1]:
                raise ValueError(f"answer: {criterion} must be a whole number from "
                                 f"{MOS_SCALE[0]} to {MOS_SCALE[1]}, got {score!r}")
    else:
        scores = answer.get("scores")
        if not isinstance(scores, dict) or sorted(map(int, scores)) != sorted(item["clips"]):
            raise ValueError("answer: scores must rate every clip of the page")
        for score in scores.values():
            if not isinstance(score, int | float) or not MUSHRA_SCALE[0] <= score <= \
                    MUSHRA_SCALE[1]:
                raise ValueError(f"answer: scores run from {MUSHRA_SCALE[0]} to "
                                 f"{MUSHRA_SCALE[1]}, got {score!r}")


def passed_check(design_data, item, answer):
    """Whether an answer passes its item's attention check (``None``: not a check)."""
    check = item.get("check")
    if check is None:
        return None
    if "choice" in check:
        return answer.get("choice") == check["choice"]
    if "human" in check:
        return answer.get("human") == check["human"]
    scores = [answer.get(criterion) for criterion in design_data.get("criteria", ())]
    if "at_most" in check:
        return all(score is not None and score <= check["at_most"] for score in scores)
    if "equals" in check:
        return all(score == check["equals"] for score in scores)
    hidden = [clip for clip in item["clips"] if clip == item["reference"]]
    return all(float(answer["scores"][str(clip)]) >= check["hidden_reference_at_least"]
               for clip in hidden)


def create_test(store, design):
    """Create a design's test in a results store: every clip read and checked first, then the
    test, its stimuli and its items written in one transaction (all or nothing).

    Args:
        store: a ``ResultsStore``.
        design: a ``Design`` (or a path to a YAML file).

    Returns:
        The test's id (the existing one when the same design was created before).

    Raises:
        ValueError: naming the missing or unusable audio file, or the clashing test name.
    """
    if not isinstance(design, Design):
        design = Design.from_yaml(design)
    spec = design.spec()
    existing = store.find_test(design.name)
    if existing is not None:
        stored = store.design(existing)
        stored_spec = {key: value for key, value in stored.items() if key != "items"}
        if json.dumps(stored_spec, sort_keys=True) != json.dumps(spec, sort_keys=True):
            raise ValueError(f"name: {store.path} already holds a test {design.name!r} with "
                             "another design; choose another name")
        return existing
    clips = {system: [read_clip(clip) for clip in clips]
             for system, clips in design.systems.items()}
    stimuli = [(system, clip) for system, system_clips in clips.items() for clip in system_clips]
    return store.create_test_with_stimuli(
        design.name, spec,
        [(system, clip.audio, clip.midi, clip.provenance) for system, clip in stimuli],
        lambda ids: _items_from_ids(design, clips, ids))


def _items_from_ids(design, clips, ids):
    stimulus_ids, position = {}, 0
    for system, system_clips in clips.items():
        stimulus_ids[system] = ids[position:position + len(system_clips)]
        position += len(system_clips)
    return build_items(design, stimulus_ids)


class Session:
    """One rater taking one test: a balanced order, validated answers, resume after reload.

    Args:
        store: a ``ResultsStore``.
        test: the test's id or name.
        rater: an existing rater id to resume (``None``: a new anonymous rater).

    Raises:
        ValueError: when the test or the rater does not exist.
    """

    def __init__(self, store, test, rater=None):
        self.store = store
        self.test = store.test_id(test)
        self.design = store.design(self.test)
        if "items" not in self.design:
            raise ValueError(f"test: {test!r} in {store.path} was not created from a design")
        self.items = {item["id"]: item for item in self.design["items"]}
        if rater is None:
            rater = store.add_rater(self.test)
        elif not store.has_rater(self.test, rater):
            raise ValueError(f"rater: no rater {rater!r} in test {self.design['name']!r} "
                             f"of {store.path}")
        self.rater = rater
        self.order = rater_order(self.design, store.rater_number(self.test, rater))

    @property
    def done(self):
        """Items answered so far."""
        return len(set(self.store.answered(self.test, self.rater)) & set(self.items))

    @property
    def total(self):
        return len(self.order)

    def current(self):
        """The next item to answer as ``(item dict, clip ids in the order shown)``, or ``None``
        when the rater has finished."""
        answered = set(self.store.answered(self.test, self.rater))
        for item_id, clips in self.order:
            if item_id not in answered:
                return self.items[item_id], clips
        return None

    def answer(self, item_id, answer, *, seconds=None, plays=None, heard=None):
        """Validate and store an answer at once (a repeat is stored once).

        Returns:
            ``True`` when stored, ``False`` when the item had been answered already.
        """
        if item_id not in self.items:
            raise ValueError(f"item: test {self.design['name']!r} has no item {item_id!r}")
        check_answer(self.design, self.items[item_id], answer)
        return self.store.record(self.test, self.rater, item_id, answer, seconds=seconds,
                                 plays=plays, heard=heard)
