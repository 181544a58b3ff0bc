"""The listening-test widgets in the kernel: every click stored once, with its timing and
listening; a remembered rater resumes; the teacher's view counts and excludes."""

import numpy as np
import pytest

from musiclab.listening import ResultsStore
from musiclab.listening.designs import Design, create_test
from musiclab.listening.simulate import simulate_class
from tests.test_listening_designs import QUALITY, clips
from widgets import ListeningResults, ListeningTest


@pytest.fixture()
def store(tmp_path):
    store = ResultsStore(tmp_path / "class.db")
    create_test(store, Design(name="turing", kind="turing", anchor="shuffled",
                              attention_checks=1,
                              systems={"real": clips("real", 2), "vae": clips("vae", 2),
                                       "shuffled": clips("shuffled", 1)}))
    create_test(store, Design(name="mos", kind="mos", criteria=("musicality", "coherence"),
                              attention_checks=0, systems={"real": clips("real", 2)}))
    create_test(store, Design(name="mushra", kind="mushra",
                              systems={name: clips(name, 2) for name in ("real", "vae")}))
    create_test(store, Design(name="ab", kind="ab", attention_checks=1,
                              systems={name: clips(name, 2) for name in ("real", "vae")}))
    return store


def test_a_rater_clicks_through_a_turing_test(store):
    widget = ListeningTest(store, "turing", min_seconds=0)
    assert "Practice clip" in widget.page.value and widget.body.children[0].value[:4] == b"RIFF"
    widget.buttons["Start"].click()
    assert "Item 1 of 5" in widget.page.value
    shown = widget.shown
    assert widget.clips[0].value == store.audio(shown[0])
    assert "musiclab-clip-0" in widget.clips[0]._dom_classes
    widget.browser.listening = {"musiclab-clip-0": {"plays": 2, "heard": 1.5,
                                                    "duration": 2.0}}
    first_item = widget.buttons
    first_item["Human"].click()
    frame = store.responses(store.test_id("turing"))
    assert frame["answer"].tolist() == [{"human": True}] and frame["plays"].tolist() == [2]
    assert frame["heard"].tolist() == [0.75] and frame["seconds"][0] >= 0
    assert "Item 2 of 5" in widget.page.value and widget.progress.value == 1
    # a double click's second click, reaching the kernel late from item 1's button (on a
    # busy server, after the next item has been up longer than min_seconds), answers nothing
    first_item["Human"].click()
    first_item["Machine"].click()
    assert len(store.responses(store.test_id("turing"))) == 1
    assert "Item 2 of 5" in widget.page.value and widget.buttons["Human"] is not first_item["Human"]
    assert all(button.disabled for button in first_item.values())  # greyed out in the page
    assert not any(button.disabled for button in widget.buttons.values())
    for _ in range(4):
        widget.buttons["Machine"].click()
    assert "Thank you" in widget.page.value and len(store.responses(1)) == 5
    assert np.isnan(store.responses(1)["plays"][1])  # no browser report: not made up


def test_mos_submit_waits_for_every_criterion_and_mushra_stores_every_slider(store):
    widget = ListeningTest(store, "mos", min_seconds=0)
    widget.buttons["Start"].click()
    assert widget.submit.disabled
    widget.ratings[0].value = 4
    assert widget.submit.disabled
    widget.ratings[1].value = 2
    widget.submit.click()
    assert store.responses(store.test_id("mos"))["answer"][0] == {"musicality": 4,
                                                                  "coherence": 2}
    mushra = ListeningTest(store, "mushra", min_seconds=0)
    mushra.buttons["Start"].click()
    shown = list(mushra.shown)
    assert len(shown) == len(mushra.ratings) == 2
    for index, slider in enumerate(mushra.ratings):
        slider.value = 10 * index
    first_submit = mushra.submit
    first_submit.click()
    answer = store.responses(store.test_id("mushra"))["answer"][0]
    assert answer == {"scores": {str(stimulus): 10 * index
                                 for index, stimulus in enumerate(shown)}}
    first_submit.click()  # the first item's Submit again, now that the second is up
    assert len(store.responses(store.test_id("mushra"))) == 1 and mushra.submit is not first_submit


def test_a_remembered_rater_resumes_after_a_reload(store):
    first = ListeningTest(store, "ab", remember=True, min_seconds=0)
    assert first.session is None and "Loading" in first.page.value
    first.browser.ready = True  # the browser reports: nothing stored yet
    rater = first.browser.token
    assert rater and first.session.rater == rater
    first.buttons["Start"].click()
    first.buttons["A"].click()
    first.buttons["A"].click()  # the next item's A
    reloaded = ListeningTest(store, "ab", remember=True, min_seconds=0)
    reloaded.browser.token = rater  # what the browser kept
    reloaded.browser.ready = True
    assert reloaded.session.rater == rater and "Item 3 of 3" in reloaded.page.value
    stranger = ListeningTest(store, "ab", remember=True, min_seconds=0)
    stranger.browser.token = "forged-id"
    stranger.browser.ready = True
    assert stranger.session.rater != "forged-id"  # an unknown id starts a new rater
    echo = ListeningTest(store, "ab")  # the default: a click's echo is not an answer
    echo.buttons["Start"].click()
    echo.buttons["A"].click()
    assert echo.session.done == 0 and "Item 1 of" in echo.page.value
    with pytest.raises(ValueError, match="rater: no rater 'forged-id'"):
        ListeningTest(store, "ab", rater="forged-id")


def test_the_teachers_view_counts_and_plots(store):
    simulate_class(store, "turing", QUALITY, raters=12, careless=2)
    view = ListeningResults(store, "turing", refresh=0)
    assert "12 raters" in view.counts.value and "excluded" in view.counts.value
    assert "judged_human" in view.table.value and view.plot.value[:4] == b"\x89PNG"
