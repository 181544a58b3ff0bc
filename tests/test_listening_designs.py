"""Listening-test designs, sessions and statistics: balanced orders, checks, clear errors, and
statistics that recover what simulated raters were built to hear."""

import io
import os
import wave
from collections import Counter

import numpy as np
import pytest

from musiclab.listening import ResultsStore
from musiclab.listening import statistics as stats
from musiclab.listening.designs import Clip, Design, Session, create_test, rater_order
from musiclab.listening.simulate import simulate_class


def wav_bytes(frequency, samples=800):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(8000)
        tone = np.sin(2 * np.pi * frequency * np.arange(samples) / 8000) * 8000
        file.writeframes(tone.astype("<i2").tobytes())
    return buffer.getvalue()


def clips(system, count):
    return [Clip(wav_bytes(200 + 20 * index + len(system)), provenance={"system": system,
                                                                          "index": index})
            for index in range(count)]


QUALITY = {"real": 1.0, "vae": 0.0, "wavenet": -0.6, "shuffled": -3.0}


def test_yaml_design_with_a_missing_clip_is_refused_and_nothing_is_written(tmp_path):
    (tmp_path / "real1.wav").write_bytes(wav_bytes(220))
    (tmp_path / "vae1.wav").write_bytes(wav_bytes(330))
    config = tmp_path / "test.yaml"
    config.write_text("name: class test\nkind: turing\nsystems:\n  real: [real1.wav]\n"
                      "  vae: [vae1.wav, vae2.wav]\n")
    store = ResultsStore(tmp_path / "class.db")
    with pytest.raises(ValueError, match=r"vae2\.wav: no such audio file"):
        create_test(store, config)
    assert store.tests().empty
    (tmp_path / "vae2.wav").write_text("not audio")
    with pytest.raises(ValueError, match=r"vae2\.wav: not a WAV file"):
        create_test(store, config)
    (tmp_path / "vae2.wav").write_bytes(wav_bytes(440))
    test = create_test(store, config)
    assert create_test(store, config) == test  # the same design again: the same test
    assert sorted(store.stimuli(test)["system"]) == ["real", "vae", "vae"]
    assert store.audio(int(store.stimuli(test)["id"][0])) == wav_bytes(220)
    config.write_text("name: class test\nkind: mos\nsystems:\n  real: [real1.wav]\n")
    with pytest.raises(ValueError, match="already holds a test 'class test' with another"):
        create_test(store, config)


@pytest.mark.parametrize("settings, message", [
    ({"kind": "likert"}, "kind: one of"),
    ({"kind": "ab", "systems": {"real": ["a.wav"]}}, "at least two systems"),
    ({"kind": "mushra", "systems": {"real": ["a.wav"], "vae": ["b.wav", "c.wav"]}},
     "same number of clips"),
    ({"kind": "mushra", "reference": "human"}, "reference: 'human' is not one of"),
    ({"kind": "turing", "anchor": "noise"}, "anchor: 'noise' is not one of"),
    ({"kind": "turing", "color": "red"}, "unknown setting"),
    ({"kind": "turing", "systems": {"real": "a.wav"}}, "needs a list"),
])
def test_bad_designs_name_the_setting(settings, message):
    base = {"name": "t", "systems": {"real": ["a.wav"], "vae": ["b.wav"]}}
    with pytest.raises(ValueError, match=message):
        Design.from_dict({**base, **settings})


def test_orders_are_balanced_across_raters_and_checks_are_spread(tmp_path):
    store = ResultsStore(tmp_path / "class.db")
    design = Design(name="ab", kind="ab", attention_checks=2,
                    systems={"real": clips("real", 6), "vae": clips("vae", 6)})
    test = create_test(store, design)
    stored = store.design(test)
    regular = [item["id"] for item in stored["items"] if "check" not in item]
    assert len(regular) == 6 and len(stored["items"]) == 8
    orders = [rater_order(stored, number) for number in range(6)]
    positions = Counter()
    sides = Counter()
    for order in orders:
        ids = [item_id for item_id, _ in order]
        assert len(ids) == 8 and ids[0] not in ("check-0", "check-1")
        check_positions = [ids.index("check-0"), ids.index("check-1")]
        assert 1 <= check_positions[0] < check_positions[1] <= 7
        regular_ids = [item_id for item_id in ids if not item_id.startswith("check")]
        positions.update(enumerate(regular_ids))
        items = {item["id"]: item for item in stored["items"]}
        sides.update(shown[0] == items[item_id]["clips"][0] for item_id, shown in order
                     if not item_id.startswith("check"))
    assert set(positions.values()) == {1}  # 6 raters: every item once in every position
    assert sides[True] == sides[False]  # real heard first as often as second


def test_items_per_rater_spreads_answers_evenly(tmp_path):
    store = ResultsStore(tmp_path / "class.db")
    design = Design(name="mos", kind="mos", systems={"real": clips("real", 5),
                                                     "vae": clips("vae", 5)},
                    attention_checks=0, items_per_rater=4)
    test = create_test(store, design)
    counts = Counter(item for number in range(5)
                     for item, _ in rater_order(store.design(test), number))
    assert len(counts) == 10 and set(counts.values()) == {2}


def test_a_session_resumes_validates_and_knows_its_raters(tmp_path):
    path = tmp_path / "class.db"
    store = ResultsStore(path)
    design = Design(name="turing", kind="turing", systems={"real": clips("real", 3),
                                                           "vae": clips("vae", 3)})
    test = create_test(store, design)
    session = Session(store, "turing")
    first, shown = session.current()
    with pytest.raises(ValueError, match="answer: 'human' must be true or false"):
        session.answer(first["id"], {"human": "yes"})
    with pytest.raises(ValueError, match="item: test 'turing' has no item 'nope'"):
        session.answer("nope", {"human": True})
    assert session.answer(first["id"], {"human": True}, seconds=3.0, plays=1, heard=1.0)
    assert not session.answer(first["id"], {"human": False})  # a double click: stored once
    second = session.current()[0]["id"]
    reloaded = Session(ResultsStore(path), test, session.rater)  # a reload, a new process
    assert reloaded.current()[0]["id"] == second and reloaded.done == 1
    assert reloaded.total == 8
    with pytest.raises(ValueError, match="rater: no rater 'stranger' in test 'turing'"):
        Session(store, test, "stranger")
    with pytest.raises(ValueError, match="test: .* holds no test 'other'"):
        Session(store, "other")
    assert store.responses(test)["answer"].tolist() == [{"human": True}]


def test_database_files_that_cannot_be_used(tmp_path, monkeypatch):
    text = tmp_path / "notes.db"
    text.write_text("these are my notes, not a database" * 20)
    with pytest.raises(ValueError, match="notes.db: not a results database"):
        ResultsStore(text)
    path = tmp_path / "class.db"
    store = ResultsStore(path)
    test = store.create_test("t", design={"kind": "turing"})
    rater = store.add_rater(test)
    store.record(test, rater, "a", {"human": True})
    os.chmod(path, 0o444)
    try:
        with monkeypatch.context() as patch:  # as root every file is writable: ask os.access
            patch.setattr(os, "access", lambda name, mode: not mode & os.W_OK)
            with pytest.raises(ValueError, match="class.db: read-only"):
                ResultsStore(path)
    finally:
        os.chmod(path, 0o644)
    assert ResultsStore(path).responses(test)["answer"].tolist() == [{"human": True}]


@pytest.fixture(scope="module")
def class_results(tmp_path_factory):
    store = ResultsStore(tmp_path_factory.mktemp("class") / "class.db")
    tests = {
        "turing": Design(name="turing", kind="turing", anchor="shuffled",
                         systems={"real": clips("real", 8), "vae": clips("vae", 8),
                                  "shuffled": clips("shuffled", 2)}),
        "ab": Design(name="ab", kind="ab", systems={name: clips(name, 6)
                                                    for name in ("real", "vae", "wavenet")}),
        "mos": Design(name="mos", kind="mos", systems={"real": clips("real", 8),
                                                       "vae": clips("vae", 8)}),
        "mushra": Design(name="mushra", kind="mushra", anchor="shuffled",
                         systems={name: clips(name, 4) for name in ("real", "vae", "shuffled")}),
    }
    for kind, design in tests.items():
        create_test(store, design)
        simulate_class(store, kind, QUALITY, raters=30, careless=4, seed=1)
    return store


def test_statistics_recover_the_simulated_truth(class_results):
    store = class_results
    turing = stats.analyse(store, "turing")
    assert turing.raters == 30 and sum("careless" in rater for rater in turing.excluded) >= 2
    table = stats.judged_human(turing.answers).set_index("system")
    true_rate = {system: 1 / (1 + np.exp(-QUALITY[system])) for system in ("real", "vae")}
    for system, rate in true_rate.items():
        assert table.loc[system, "low"] <= rate <= table.loc[system, "high"]
    assert table.loc["real", "p"] < 0.01 and table.loc["vae", "p"] > 0.01
    assert "shuffled" not in table.index  # the anchor is a check, not a system

    ranking = stats.bradley_terry(stats.analyse(store, "ab").answers)
    assert ranking["system"].tolist() == ["real", "vae", "wavenet"]
    gap = ranking.set_index("system")["strength"]
    assert abs((gap["real"] - gap["wavenet"]) - 1.6) < 0.6

    mos = stats.mos(stats.analyse(store, "mos").answers)
    means = mos.groupby("system")["mos"].mean()
    assert means["real"] > means["vae"] + 0.6
    assert (mos["low"] <= mos["mos"]).all() and (mos["mos"] <= mos["high"]).all()

    mushra = stats.analyse(store, "mushra")
    assert mushra.excluded == sorted(r for r in mushra.checks["rater"].unique()
                                     if "careless" in r)
    assert stats.mushra(mushra.answers)["system"].tolist() == ["real", "vae", "shuffled"]
    assert stats.agreement(mushra) > 0.8


def test_agreement_is_one_for_identical_raters_and_near_zero_for_random_ones(tmp_path):
    store = ResultsStore(tmp_path / "class.db")
    design = Design(name="t", kind="turing", attention_checks=0,
                    systems={"real": clips("real", 10), "vae": clips("vae", 10)})
    test = create_test(store, design)
    verdict = {item["id"]: index % 3 == 0 for index, item in enumerate(store.design(test)["items"])}
    rng = np.random.default_rng(0)
    for number in range(4):
        session = Session(store, test, store.add_rater(test, f"same-{number}"))
        for item_id, _ in session.order:
            session.answer(item_id, {"human": verdict[item_id]})
    assert stats.agreement(stats.analyse(store, test)) == pytest.approx(1.0)
    for number in range(40):
        session = Session(store, test, store.add_rater(test, f"coin-{number}"))
        for item_id, _ in session.order:
            session.answer(item_id, {"human": bool(rng.random() < 0.5)})
    assert abs(stats.agreement(stats.analyse(store, test))) < 0.1


def test_plot_names_the_excluded_raters(class_results):
    import matplotlib

    matplotlib.use("Agg")
    for kind in ("turing", "ab", "mos", "mushra"):
        analysis = stats.analyse(class_results, kind)
        ax = stats.plot_results(analysis)
        assert f"({len(analysis.excluded)} excluded" in ax.get_title()
        assert len(ax.patches) >= 2
