"""Drive notebooks and their widgets in a real browser: JupyterLab in Chromium, by Playwright.

What a user of musiclab sees is the page, not the kernel: this module opens notebooks in
JupyterLab exactly as a teacher would, runs them, reads what every cell shows, moves
controls with the keyboard and the mouse, and times each action from the key press to the
new audio in the page, decoded there. ``tests/test_browser.py`` and
``benchmarks/browser_latency.py`` are built on it.

Needs ``playwright`` (the Python package) and ``jupyterlab``; the browser is the system's
Chromium (Debian's ``chromium`` package, or ``$MUSICLAB_CHROMIUM``): Playwright never
downloads one here.

    with Lab(folder, environment={"MUSICLAB_SMOKE": "1"}) as lab:
        page = lab.open("00_quickstart.ipynb")
        page.run_all()
        assert not page.problems()
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TOKEN = "musiclab"
# JupyterLab settings for a test run: every cell in the page (no virtual scrolling), no
# autosave (outputs never reach the notebook files), no news pop-up over the page
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

# Installed once per page: when the user acted (key, pointer, a select's input), and every
# audio element that got new sound, with the time it did.
PROBE = """
(() => {
  if (window.__musiclab) return;
  const state = window.__musiclab = {acted: null, changes: []};
  const acted = () => { if (state.acted === null) state.acted = performance.now(); };
  for (const kind of ['keydown', 'pointerdown', 'input', 'change'])
    document.addEventListener(kind, acted, true);
  new MutationObserver(records => {
    for (const record of records)
      if (record.target.tagName === 'AUDIO' && record.target.src)
        state.changes.push({time: performance.now(), src: record.target.src,
                            audio: record.target.dataset.musiclab || ''});
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['src']});
})()
"""

DECODE = """
async (src) => {
  const data = await (await fetch(src)).arrayBuffer();
  const context = new OfflineAudioContext(1, 1, 24000);
  const sound = await context.decodeAudioData(data);
  const samples = sound.getChannelData(0);
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return {seconds: sound.duration, rms: Math.sqrt(sum / Math.max(samples.length, 1))};
}
"""

# the notebook in the main area, its kernel, and whether any cell is queued or running
NOTEBOOK = "window.jupyterapp.shell.currentWidget"
IDLE = f"""
(() => {{
  const notebook = {NOTEBOOK};
  const kernel = notebook && notebook.sessionContext.session &&
                 notebook.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  return [...notebook.node.querySelectorAll('.jp-InputPrompt')]
    .every(prompt => !prompt.textContent.includes('*'));
}})()
"""
PROBLEMS = f"""
(() => {{
  const found = [];
  {NOTEBOOK}.content.widgets.forEach((cell, index) => {{
    if (cell.model.type !== 'code') return;
    for (const output of cell.model.outputs.toJSON()) {{
      if (output.output_type === 'error')
        found.push(`cell ${{index}}: ${{output.ename}}: ${{output.evalue}}`);
      if (output.output_type === 'stream' && output.name === 'stderr')
        found.push(`cell ${{index}} (stderr): ${{String(output.text).trim().split('\\n')[0]}}`);
    }}
  }});
  return found;
}})()
"""
UNRUN = f"""
(() => {{
  const cells = {NOTEBOOK}.content.widgets;
  return cells.filter(cell => cell.model.type === 'code' && cell.model.sharedModel.source.trim()
                              && cell.model.executionCount === null).length;
}})()
"""


def chromium_path():
    """The system Chromium: ``$MUSICLAB_CHROMIUM``, else ``chromium`` on the PATH.

    Raises:
        RuntimeError: in one line, saying how to install it.
    """
    path = os.environ.get("MUSICLAB_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("no Chromium found: install Debian's chromium package "
                           "(apt-get install chromium) or set MUSICLAB_CHROMIUM")
    return path


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A JupyterLab server over ``folder`` and a headless Chromium looking at it.

    Args:
        folder: the server's root (copy notebooks there: the page may change them).
        environment: extra environment variables for the server and its kernels.
        viewport: the browser window's size in pixels.
        start_timeout: seconds to wait for the server.
    """

    def __init__(self, folder, *, environment=None, viewport=(1400, 1000), start_timeout=120):
        self.folder, self.viewport = Path(folder), viewport
        self.environment = dict(os.environ, **(environment or {}))
        self.start_timeout = start_timeout
        self.port, self.server, self.log_path = _free_port(), None, None
        self._playwright = self.browser = None
        self._pages = 0

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        state = Path(tempfile.mkdtemp(prefix="musiclab-lab-"))
        for name, values in SETTINGS.items():
            path = state / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        self.log_path = state / "server.log"
        self.server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
             f"--ServerApp.root_dir={self.folder}", "--LabApp.expose_app_in_browser=True",
             f"--LabApp.user_settings_dir={state / 'settings'}",
             f"--LabApp.workspaces_dir={state / 'workspaces'}", "--allow-root"],
            env=self.environment, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api?token={TOKEN}", timeout=2)
                break
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"JupyterLab did not start; see {self.log_path}") from None
                time.sleep(0.3)
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"])
        return self

    def __exit__(self, *exception):
        if self.browser is not None:
            self.browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)  # the server and its kernels
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def open(self, notebook, *, timeout=180):
        """Open ``notebook`` (a path under the root) in a new page; wait for its kernel.

        Returns:
            A ``NotebookPage``.
        """
        page = self.browser.new_page(viewport={"width": self.viewport[0],
                                               "height": self.viewport[1]})
        self._pages += 1  # a fresh workspace each time: only this notebook is open
        page.goto(f"{self.url}/lab/workspaces/page{self._pages}/tree/{notebook}?reset&"
                  f"token={TOKEN}")
        page.wait_for_function(f"window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.context && "
                               f"{NOTEBOOK}.context.path === {json.dumps(str(notebook))} && "
                               f"{IDLE}", timeout=timeout * 1000, polling=250)
        page.evaluate(PROBE)
        return NotebookPage(page, notebook)


class NotebookPage:
    """One notebook open in JupyterLab.

    Attributes:
        page: the Playwright page.
        name: the notebook's path.
    """

    def __init__(self, page, name):
        self.page, self.name = page, name

    def run_all(self, *, timeout=600):
        """Run every cell (Run > Run All Cells) and wait until the kernel is idle with no
        cell queued. Returns the seconds it took.

        Raises:
            TimeoutError: naming the notebook.
        """
        started = time.perf_counter()
        self.page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_timeout(500)
        try:
            for _ in range(2):  # idle twice, a second apart: no cell left to start
                self.page.wait_for_function(IDLE, timeout=timeout * 1000, polling=250)
                self.page.wait_for_timeout(1000)
            self.page.wait_for_function(IDLE, timeout=timeout * 1000, polling=250)
        except Exception as error:
            raise TimeoutError(f"{self.name}: still running after {timeout} s") from error
        return time.perf_counter() - started

    def problems(self):
        """Every error and every stderr output of the notebook, one line each
        (``cell 3: ValueError: ...``); also the code cells that never ran."""
        found = self.page.evaluate(PROBLEMS)
        unrun = self.page.evaluate(UNRUN)
        if unrun and not found:
            found.append(f"{unrun} code cells did not run")
        return found

    def widget_outputs(self):
        """Locators of the cell outputs that hold a widget with controls and an audio player
        (not plain inline players)."""
        areas = self.page.locator(".jp-Cell-outputArea")
        return [areas.nth(i) for i in range(areas.count())
                if areas.nth(i).locator(".widget-box audio").count()
                and areas.nth(i).locator(".widget-slider, .widget-dropdown, button").count()]

    def control(self, area, label, kind="slider"):
        """The control of a widget by its description: a slider's handle, a dropdown's
        ``<select>`` or a button (``kind``)."""
        if kind == "button":
            return area.locator("button", has_text=label).first
        box = area.locator(f".widget-{kind}").filter(
            has=self.page.locator(".widget-label", has_text=label)).first
        return box.locator(".noUi-handle" if kind == "slider" else "select")

    def screenshot(self, path):
        """Save the whole page as a PNG (kept on failure). Returns the path."""
        self.page.screenshot(path=str(path), full_page=True)
        return path

    # ---- acting and listening -------------------------------------------------------
    def _reset(self):
        self.page.evaluate("window.__musiclab.acted = null; window.__musiclab.changes = []")

    def _sound_after(self, area, timeout):
        """Wait for new audio in ``area``; return ``(milliseconds since the action, sound)``
        or ``None`` when none came in ``timeout`` seconds."""
        handles = area.locator("audio").element_handles()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.page.evaluate("window.__musiclab")
            mine = [change for change in state["changes"]
                    if change["src"] in {h.evaluate("element => element.src") for h in handles}]
            if mine and state["acted"] is not None:
                change = mine[0]
                try:
                    sound = self.page.evaluate(DECODE, change["src"])
                except Exception:  # revoked by a newer sound already: decode that one
                    sound = self.page.evaluate(DECODE, handles[0].evaluate("e => e.src"))
                return change["time"] - state["acted"], sound
            time.sleep(0.01)
        return None

    def press(self, control, key="ArrowRight", *, area, timeout=30):
        """Focus ``control`` (a slider's handle, a text box) and press ``key``.

        Returns:
            ``(milliseconds from the key press to new audio in area, {"seconds", "rms"})``,
            or ``None`` when no new audio came within ``timeout`` seconds.
        """
        control.focus()
        self._reset()
        control.press(key)
        return self._sound_after(area, timeout)

    def choose(self, select, *, area, timeout=30):
        """Pick the next option of a ``<select>``; as ``press`` for what it returns."""
        options = select.locator("option").all_text_contents()
        current = select.evaluate("element => element.selectedIndex")
        self._reset()
        select.select_option(index=(current + 1) % len(options))
        return self._sound_after(area, timeout)

    def click(self, button, *, area, timeout=60):
        """Click ``button``; as ``press`` for what it returns."""
        self._reset()
        button.click()
        return self._sound_after(area, timeout)

    def try_controls(self, area, *, timeout=30):
        """Move the first control of a widget that makes new audio: its primary button
        (Generate, Start, Play), else a slider, else a dropdown, else any button. Returns
        ``(what was moved, result of press/choose/click)``, or ``(None, None)`` when no
        control made any."""
        for button in area.locator("button.jupyter-button.mod-primary:not([disabled])").all():
            if button.is_visible():
                result = self.click(button, area=area, timeout=timeout)
                if result:
                    return "primary button", result
        for handle in area.locator(".noUi-handle").all():
            if handle.get_attribute("disabled") is None and handle.is_visible():
                result = self.press(handle, area=area, timeout=timeout)
                if result:
                    return "slider", result
        for select in area.locator("select:not([disabled])").all():
            if select.is_visible() and select.locator("option").count() > 1:
                result = self.choose(select, area=area, timeout=timeout)
                if result:
                    return "dropdown", result
        for button in area.locator("button.jupyter-button:not([disabled])").all():
            if button.is_visible():
                result = self.click(button, area=area, timeout=timeout)
                if result:
                    return "button", result
        return None, None
