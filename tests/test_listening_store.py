"""The listening-test results store: nothing lost, nothing duplicated, thirty raters at once."""

import multiprocessing

import pytest

from musiclab.listening import ResultsStore


def test_answers_survive_a_restart_and_a_rater_resumes(tmp_path):
    path = tmp_path / "class.db"
    store = ResultsStore(path)
    test = store.create_test("human or machine?", design={"kind": "turing"})
    assert store.create_test("human or machine?", design={"kind": "turing"}) == test
    clip = store.add_stimulus(test, "real", audio=b"RIFF....", provenance={"tune": "han1"})
    rater = store.add_rater(test)
    order = ["a", "b", "c"]
    assert store.next_item(test, rater, order) == "a"
    assert store.record(test, rater, "a", {"human": True}, seconds=3.5, plays=2, heard=1.0)
    assert not store.record(test, rater, "a", {"human": False})  # a double click: stored once
    reopened = ResultsStore(path)  # a new process, a restarted kernel
    assert reopened.next_item(test, rater, order) == "b"
    assert reopened.design(test) == {"kind": "turing"}
    assert reopened.audio(clip) == b"RIFF...."
    assert reopened.stimuli(test)["provenance"].tolist() == [{"tune": "han1"}]
    frame = reopened.responses(test)
    assert frame["answer"].tolist() == [{"human": True}] and frame["plays"].tolist() == [2]
    reopened.record(test, rater, "b", 4)
    reopened.record(test, rater, "c", 5)
    assert reopened.next_item(test, rater, order) is None


def _rater(path, test, index):
    store = ResultsStore(path)
    rater = store.add_rater(test, f"rater-{index:02d}")
    for item in range(10):
        for _ in range(2):  # every answer sent twice, as a retried request would
            store.record(test, rater, f"item-{item}", {"score": (index + item) % 5 + 1},
                         seconds=1.0, plays=1, heard=0.5)


def test_thirty_raters_at_once_in_separate_processes(tmp_path):
    path = tmp_path / "class.db"
    store = ResultsStore(path)
    test = store.create_test("mos", design={"kind": "mos", "scale": [1, 5]})
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_rater, args=(path, test, index)) for index in range(30)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert all(worker.exitcode == 0 for worker in workers)
    frame = store.responses(test)
    assert len(frame) == 300 and frame.groupby("rater").size().eq(10).all()
    assert not frame.duplicated(["rater", "item"]).any()
    expected = {(f"rater-{i:02d}", f"item-{j}"): (i + j) % 5 + 1 for i in range(30)
                for j in range(10)}
    assert all(answer["score"] == expected[(rater, item)]
               for rater, item, answer in zip(frame["rater"], frame["item"], frame["answer"]))
    assert store.integrity() == "ok"


def test_csv_export_bad_files_and_bad_values(tmp_path):
    store = ResultsStore(tmp_path / "results.db")
    test = store.create_test("ab", design={"kind": "ab"})
    rater = store.add_rater(test)
    store.record(test, rater, "pair-1", "A", seconds=2.0)
    path = store.export_csv(test, tmp_path / "out")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("rater,item,answer") and '"A"' in lines[1]
    with pytest.raises(ValueError, match="heard"):
        store.record(test, rater, "pair-2", "B", heard=1.5)
    with pytest.raises(ValueError, match="another design"):
        store.create_test("ab", design={"kind": "mushra"})
    with pytest.raises(ValueError, match="folder"):
        store.export_csv(test, None)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match="broken.db: not a results database"):
        ResultsStore(broken)
