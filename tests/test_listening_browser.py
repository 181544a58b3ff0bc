"""A class takes a listening test on the served page: Voila started by ``musiclab listen
serve``'s own command, Chromium driven by Playwright, 20 raters at once; some double-click,
some reload halfway and must resume; every answer is stored exactly once.

Marked ``browser`` (needs the system's Chromium; see ``tests/test_browser.py``).
"""

import asyncio
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from musiclab.listening import ResultsStore
from musiclab.listening.designs import Design, create_test
from musiclab.listening.serve import voila_command
from tests.test_listening_designs import clips
from widgets.browser import _free_port, chromium_path

pytestmark = pytest.mark.browser
RATERS = 20
RELOADERS = range(0, RATERS, 4)  # every fourth rater reloads the page halfway
DOUBLE_CLICKERS = range(1, RATERS, 4)
LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "blob:http://127.0.0.1:", "data:")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    store = ResultsStore(folder / "class.db")
    create_test(store, Design(name="human or machine?", kind="turing", anchor="shuffled",
                              attention_checks=1,
                              systems={"real": clips("real", 3), "vae": clips("vae", 3),
                                       "shuffled": clips("shuffled", 1)}))
    port = _free_port()
    argv, environment = voila_command(store.path, port=port, host="127.0.0.1")
    log = open(folder / "voila.log", "w")
    server = subprocess.Popen(argv, env=environment, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
            break
        except urllib.error.HTTPError:  # any answer: the server is up
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"Voila did not start; see {folder / 'voila.log'}") from None
            time.sleep(0.5)
    yield store, f"http://127.0.0.1:{port}/", folder / "voila.log"
    server.terminate()
    server.wait(30)
    log.close()


async def take_test(browser, url, number, report):
    """One rater's whole test; a failure says which rater, where, and what the page showed."""
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(240_000)
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("request", lambda request: None if request.url.startswith(LOCAL) else
            report.setdefault("fetched from outside", set()).add(request.url))
    step = {"answered": 0}
    try:
        return await answer_all(page, context, url, number, report, step)
    except Exception as error:
        try:
            shown = " | ".join((await page.inner_text("body")).split())
        except Exception as reading:  # the page itself is gone
            shown = f"(unreadable: {reading})"
        raise AssertionError(
            f"rater {number} after {step['answered']} answers: {str(error).splitlines()[0]}; "
            f"the page shows: {shown[-600:]}; its console: {console[-8:]}") from error


async def answer_all(page, context, url, number, report, step):
    await page.goto(url)
    await page.get_by_text("Practice clip", exact=True).wait_for()
    await page.get_by_role("button", name="Start the test").click()
    answered = 0
    while True:
        progress = page.get_by_text("Thank you!").or_(page.get_by_text("Item "))
        await progress.first.wait_for()
        text = await page.locator(".widget-html-content").all_inner_texts()
        item = next((line for line in text if line.startswith("Item ")), None)
        if item is None:
            break
        if answered == 0:  # hear the first clip (muted) so plays and heard are measured
            await page.locator("audio[class*='musiclab-clip-0']").wait_for(state="attached")
            await page.evaluate("""async () => {
                const audio = document.querySelector("audio[class*='musiclab-clip-0']");
                audio.muted = true; await audio.play();
                const started = Date.now();  // on a busy machine the clock starts late:
                while (audio.currentTime < 0.5 && Date.now() - started < 20000) {  // wait for it
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                audio.pause(); }""")
        await page.wait_for_timeout(800)  # a rater listens before answering
        label = "Human" if (number + answered) % 2 == 0 else "Machine"
        button = page.get_by_role("button", name=label, exact=True)
        if number in DOUBLE_CLICKERS:
            await button.dblclick()
        else:
            await button.click()
        answered += 1
        step["answered"] = answered
        await page.get_by_text(f"Item {answered + 1} of").or_(
            page.get_by_text("Thank you!")).first.wait_for()
        if number in RELOADERS and answered == 2:
            await page.reload()
            await page.get_by_text("Item 3 of").wait_for()
            report[number] = "resumed at item 3"
    rater = await page.evaluate(
        "() => Object.entries(localStorage).find(([k]) => k.startsWith('musiclab-rater'))[1]")
    await context.close()
    return rater


async def take_class(url):
    from playwright.async_api import async_playwright

    report = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"])
        raters = await asyncio.gather(*(take_test(browser, url, number, report)
                                        for number in range(RATERS)))
        await browser.close()
    return raters, report


def test_twenty_raters_at_once_every_answer_stored_once_and_reloads_resume(served):
    store, url, log = served
    started = time.monotonic()
    try:
        raters, report = asyncio.run(take_class(url))
    except AssertionError as error:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        raise AssertionError(f"{error}\nVoila's log ends:\n" + "\n".join(tail)) from None
    print(f"{RATERS} raters finished in {time.monotonic() - started:.0f} s")
    test = store.test_id("human or machine?")
    frame = store.responses(test)
    items = len(store.design(test)["items"])
    assert len(set(raters)) == RATERS  # one anonymous id per browser, kept across the reload
    assert set(frame["rater"]) == set(raters)
    assert len(store.tests()) == 1 and store.tests()["raters"][0] == RATERS
    assert frame.groupby("rater").size().eq(items).all() and len(frame) == RATERS * items
    assert not frame.duplicated(["rater", "item"]).any()
    # the page needs nothing from the internet (a classroom network may have none)
    assert report.pop("fetched from outside", set()) == set()
    assert report == {number: "resumed at item 3" for number in RELOADERS}
    first = frame.sort_values("created").groupby("rater").head(1)
    assert (first["plays"] >= 1).all() and (first["heard"] > 0).all()
    assert store.integrity() == "ok"
