"""How long each page takes in a real browser: cold first render, warm render, one typical interaction.

For every page (Home and app/pages/*.py, found as the browser test finds them) the script starts the app
server itself (app/serve.py's command, as tests/conftest.py does) and drives Debian's Chromium with
Playwright (never ``playwright install``):

- **cold**: a fresh server process, the first visit to this page (Streamlit's in-memory caches empty,
  Python modules not yet imported; the PySCF disk cache of this machine is what a fresh server has too);
- **warm**: a new session on the same server after the first visit (a new tab of the same browser, so
  its HTTP cache holds Streamlit's JavaScript, as for a student coming back);
- **interaction**: in a warm session, one typical change (a slider moved one step, a radio switched),
  timed from the change until the script is idle again.

"Script finished" is Streamlit's own state attribute on the app (``data-test-script-state``): a small
observer injected into the page records every change with its time stamp, and a run counts as finished
at its last change to ``notRunning`` that then held for 1.5 s. Next to each wall time the table gives the
CPU time the server process spent (from /proc/<pid>/stat: every thread of the server, the job pool too).
On a machine shared with other work the wall times are inflated by waiting for a core; the CPU times are
what a page costs, and a single-threaded page script takes about that long on an idle core.

    python benchmarks/page_latency.py                           # every page, median of 3
    python benchmarks/page_latency.py --pages 01 03 --repeats 5  # pages whose file name contains 01 or 03
    python benchmarks/page_latency.py --cold-repeats 1 --json latency.json
    python benchmarks/page_latency.py --profile app/pages/03_Architectures.py   # where a script spends CPU

``--profile`` runs one page script twice under Streamlit's AppTest (cold, then with its caches warm) with
cProfile on the script thread's CPU clock and prints the functions that cost most.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "app")]

import serve  # noqa: E402  app/serve.py: the one place for the server's command line

GOAL_WARM_S, GOAL_INTERACTION_S = 1.0, 0.3  # the goals: warm render, a slider
NO_RUN_AFTER_S = 60.0  # an action that starts no script run in this time did nothing
IDLE_HOLD_S = 1.5  # a run is finished once the script has stayed idle this long (as tests/test_browser.py)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

# The typical interaction of each page: (widget kind, label it starts with, where). Pages not listed
# get the first slider of the page (pages of other lessons, new pages).
INTERACTIONS = {
    "Home": ("toggle", "Lecture mode", "sidebar"),
    "01_Born_Oppenheimer": ("slider", "Clamp the nuclei at R", "main"),
    "02_Symmetries": ("slider", "Rotation angle", "main"),
    "03_Architectures": ("slider", "Cutoff radius r_c", "main"),
    "04_Training": ("slider", "Training structures", "main"),
    "05_PES_Slices": ("radio", "Scan", "main"),
    "06_Forces_and_Conservation": ("slider", "Loop radius", "main"),
    "07_Derivatives": ("slider", "Amplitude of the most moving atom", "main"),
}

# Records every change of the app's script state with Date.now(): comparable with Python's time.time().
# A fragment rerun can go running -> notRunning before the observer's callback runs (a few ms of
# server work); the attribute's old values in the mutation records keep the short "running" state.
STATE_RECORDER = """
(() => {
  window.__scriptStates = [];
  let last = null;
  const record = (state) => {
    if (state !== last) { window.__scriptStates.push([Date.now() / 1000, state]); last = state; }
  };
  const look = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    record(app ? app.getAttribute('data-test-script-state') : null);
  };
  new MutationObserver((mutations) => {
    mutations.forEach((mutation, index) => {
      const next = mutations[index + 1];
      if (mutation.attributeName === 'data-test-script-state' && next && next.attributeName === mutation.attributeName) {
        record(next.oldValue);  // the state this mutation set, already replaced by the next one
      }
    });
    look();
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
  setInterval(look, 20);
})();
"""


# --- the server -------------------------------------------------------------------------------------

# --- the browser ------------------------------------------------------------------------------------

def discover_pages() -> list[tuple[str, str]]:
    """(name, url path) of Home and of every app/pages/*.py, as Streamlit serves them."""
    from streamlit.source_util import page_icon_and_name

    pages = [("Home", "")]
    for path in sorted((ROOT / "app" / "pages").glob("*.py")):
        if not path.name.startswith("_"):
            pages.append((path.stem, page_icon_and_name(path)[1]))
    return pages


def new_context(browser):
    """A fresh browser session: a new context, only localhost reachable, the script-state recorder in."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def route(route, request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and (url.hostname or "") not in LOCAL_HOSTS:
            return route.abort()
        return route.continue_()

    context.route("**/*", route)
    context.add_init_script(STATE_RECORDER)
    return context


@dataclass
class Timing:
    wall_s: float  # from the action until the script is idle for good
    cpu_s: float  # server CPU time from the action until the idle state was confirmed
    script_s: float  # from the start of the first run that the action caused until idle for good
    first_s: float  # from the action to the end of that first run (the page is there, maybe in part)
    note: str = ""


class NoRunSeen(TimeoutError):
    """The page never showed a script run after the action."""


def wait_for_server_quiet(page, since: float, timeout_s: float) -> tuple[float, float, float]:
    """(first, last, last) websocket message from the server after ``since``, once it has sent nothing for
    IDLE_HOLD_S: how a fragment rerun too short to show the "running" state is timed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frames = [t for t in SERVER_MESSAGES.get(id(page), []) if t >= since]
        if frames and time.time() - frames[-1] >= IDLE_HOLD_S:
            return frames[0], frames[-1], frames[-1]
        time.sleep(0.1)
    raise TimeoutError(f"the server sent nothing back within {timeout_s:.0f} s")


SERVER_MESSAGES: dict[int, list[float]] = {}  # id(page) -> epoch s of every websocket message from the server


def wait_until_finished(page, since: float, timeout_s: float,
                        no_run_after_s: float = NO_RUN_AFTER_S) -> tuple[float, float, float]:
    """(first run started, first run finished, idle for good) after ``since``, as epoch s.

    A page that computes part of itself in the job pool finishes its first run early and then reruns
    while the work goes on; it is finished for good once it stays idle.
    """
    deadline, start_deadline = time.monotonic() + timeout_s, time.monotonic() + no_run_after_s
    while time.monotonic() < deadline:
        states = [(t, s) for t, s in page.evaluate("window.__scriptStates || []") if t >= since - 0.05]
        running = [index for index, (_, state) in enumerate(states) if state == "running"]
        if not running and time.monotonic() > start_deadline:
            raise NoRunSeen(f"no script run started within {no_run_after_s:.0f} s")
        if running and states[-1][1] == "notRunning" and time.time() - states[-1][0] >= IDLE_HOLD_S:
            first_end = next(t for t, state in states[running[0]:] if state == "notRunning")
            return states[running[0]][0], first_end, states[-1][0]
        time.sleep(0.1)
    raise TimeoutError(f"the page was still running (or never ran) after {timeout_s:.0f} s")


def visit(context, server: serve.LocalServer, url_path: str, timeout_s: float):
    """Open the page in a new tab of ``context`` (a new Streamlit session) and wait until its script has
    finished: (Timing, page)."""
    page = context.new_page()
    messages = SERVER_MESSAGES.setdefault(id(page), [])
    page.on("websocket", lambda socket: socket.on("framereceived", lambda _: messages.append(time.time())))
    cpu_before, started = server.cpu_seconds(), time.time()
    page.goto(f"{server.url}/{url_path}", wait_until="commit")
    run_start, first_end, finished = wait_until_finished(page, started, timeout_s)
    errors = page.locator('[data-testid="stException"]').count()
    timing = Timing(finished - started, server.cpu_seconds() - cpu_before, finished - run_start,
                    first_end - started, f"{errors} exception box(es)" if errors else "")
    return timing, page


def widget(page, kind: str, label: str | None, where: str):
    """The widget of ``kind`` whose label starts with ``label`` (None: the first of its kind)."""
    scope = page.locator('[data-testid="stSidebar"]' if where == "sidebar" else '[data-testid="stMain"]')
    testid = {"slider": "stSlider", "radio": "stRadio", "toggle": "stCheckbox"}[kind]
    candidates = scope.locator(f'[data-testid="{testid}"]')
    if label is not None:
        candidates = candidates.filter(has=page.locator('[data-testid="stWidgetLabel"]',
                                                        has_text=re.compile("^" + re.escape(label))))
    try:  # the browser may still be drawing the page it has got
        candidates.first.wait_for(state="attached", timeout=30_000)
    except Exception:
        raise LookupError(f"no {kind} labelled {label!r} on the page") from None
    return candidates.first


def interact(page, server: serve.LocalServer, name: str, timeout_s: float) -> tuple[Timing, str]:
    """Make the page's typical change and time it until the script is idle again."""
    kind, label, where = INTERACTIONS.get(name, ("slider", None, "main"))
    target = widget(page, kind, label, where)
    description = f"{kind} '{label or target.locator('[data-testid=stWidgetLabel]').first.inner_text()}'"
    target.scroll_into_view_if_needed()
    time.sleep(0.3)
    cpu_before, started = server.cpu_seconds(), time.time()
    if kind == "slider":  # one step (to the left at the right end)
        thumb = target.locator('input[type="range"]').first
        at_end = thumb.get_attribute("aria-valuenow") == thumb.get_attribute("max") or \
            thumb.evaluate("input => Number(input.value) >= Number(input.max)")
        thumb.focus()
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
    elif kind == "radio":  # the first option that is not selected
        options = target.get_by_role("radio")
        for index in range(options.count()):
            if not options.nth(index).is_checked():
                options.nth(index).locator("xpath=ancestor::label[1]").click()
                break
    else:
        target.locator("label").first.click()
    try:
        run_start, first_end, finished = wait_until_finished(page, started, timeout_s, no_run_after_s=5.0)
    except NoRunSeen:  # a fragment rerun of a few ms: the page never shows "running"; time the messages
        run_start, first_end, finished = wait_for_server_quiet(page, started, timeout_s)
        description += " (fragment)"
    return Timing(finished - started, server.cpu_seconds() - cpu_before, finished - run_start,
                  first_end - started), description


# --- the measurement --------------------------------------------------------------------------------

@dataclass
class PageResult:
    name: str
    cold: list[Timing] = field(default_factory=list)
    warm: list[Timing] = field(default_factory=list)
    interaction: list[Timing] = field(default_factory=list)
    interaction_what: str = ""
    errors: list[str] = field(default_factory=list)


def measure_page(browser, name: str, url_path: str, cold_repeats: int, repeats: int, timeout_s: float,
                 log_dir: Path) -> PageResult:
    result = PageResult(name)
    for repeat in range(max(cold_repeats, 1)):
        server = serve.LocalServer(log_dir / f"server-{name}-{repeat}.log")
        context = new_context(browser)  # a browser that has never seen this app: nothing in its cache
        try:
            timing, page = visit(context, server, url_path, timeout_s)
            page.close()
            if repeat < cold_repeats:
                result.cold.append(timing)
            if repeat == 0:  # warm visits (new tabs: new sessions, the browser cache warm) on the first server
                for _ in range(repeats):
                    timing, page = visit(context, server, url_path, timeout_s)
                    result.warm.append(timing)
                    try:
                        timing, result.interaction_what = interact(page, server, name, timeout_s)
                        result.interaction.append(timing)
                    except (LookupError, TimeoutError) as error:
                        result.errors.append(f"interaction: {error}")
                    finally:
                        page.close()
        except Exception as error:  # keep measuring the other pages; say what went wrong
            result.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
        finally:
            context.close()
            server.stop()
    return result


def median(timings: list[Timing], attribute: str) -> float | None:
    values = [getattr(t, attribute) for t in timings if getattr(t, attribute) is not None]
    return statistics.median(values) if values else None


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(results: list[PageResult], load_before: tuple, load_after: tuple, args) -> None:
    print(f"\nPage latency, real browser (Chromium {args.chromium}), median of {args.repeats} warm visits and "
          f"interactions, {args.cold_repeats} cold start(s); {os.cpu_count()} CPU cores; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after.")
    if max(load_before[0], load_after[0]) > 0.5 * (os.cpu_count() or 1):
        print("NOTE: this machine was busy with other work while measuring: wall times include waiting for a "
              "core and are inflated; the server CPU times (s) are what the pages cost.")
    print(f"Goals: warm render < {GOAL_WARM_S} s, interaction < {GOAL_INTERACTION_S} s (judged on server CPU "
          "time here; wall time where the machine is idle).\n")
    print("| page | cold: first run | cold: done | cold CPU | warm: wall | warm CPU | interaction | wall | CPU "
          "| goals (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for r in results:
        warm_cpu, act_cpu = median(r.warm, "cpu_s"), median(r.interaction, "cpu_s")
        verdict = []
        if warm_cpu is not None:
            verdict.append("warm ok" if warm_cpu < GOAL_WARM_S else "WARM SLOW")
        if act_cpu is not None:
            verdict.append("interaction ok" if act_cpu < GOAL_INTERACTION_S else "INTERACTION SLOW")
        print(f"| {r.name} | {seconds(median(r.cold, 'first_s'))} | {seconds(median(r.cold, 'wall_s'))} | "
              f"{seconds(median(r.cold, 'cpu_s'))} | {seconds(median(r.warm, 'wall_s'))} | {seconds(warm_cpu)} | "
              f"{r.interaction_what or '—'} | {seconds(median(r.interaction, 'wall_s'))} | {seconds(act_cpu)} | "
              f"{', '.join(verdict)} |")
    print("\nTimes in s, medians. cold: a fresh server, the first visit; 'first run' is when the first script run "
          "ended (a page that computes some of itself in the job pool shows the rest then, and reruns when it "
          "is done), 'done' when it stayed idle. warm: a new session on that server (a new tab). interaction: from the "
          "change until the script is idle again. CPU: the server process, all its threads.")
    for r in results:
        for message in r.errors + [t.note for t in r.cold + r.warm if t.note]:
            print(f"  {r.name}: {message}")


def run_benchmark(args) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import CHROMIUM_ARGS  # the browser test's flags: headless, offline, software WebGL
    from playwright.sync_api import sync_playwright

    pages = [(name, path) for name, path in discover_pages()
             if not args.pages or any(pattern.lower() in name.lower() for pattern in args.pages)]
    if not pages:
        raise SystemExit(f"no page matches {args.pages}")
    if not Path(args.chromium).exists():
        raise SystemExit(f"no Chromium at {args.chromium} (apt-get install chromium)")
    load_before, results = os.getloadavg(), []
    log_dir = ROOT / "test-artifacts" / "page-latency"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            for name, url_path in pages:
                print(f"{name}…", end=" ", flush=True)
                result = measure_page(browser, name, url_path, args.cold_repeats, args.repeats, args.timeout, log_dir)
                results.append(result)
                print("; ".join(f"{step} {seconds(median(timings, 'wall_s'))} s wall, "
                                f"{seconds(median(timings, 'cpu_s'))} s CPU"
                                for step, timings in (("cold", result.cold), ("warm", result.warm),
                                                      ("interaction", result.interaction)))
                      + (f"; {result.errors[0]}" if result.errors else ""), flush=True)
        finally:
            browser.close()
    load_after = os.getloadavg()
    print_table(results, load_before, load_after, args)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "load_average_before": load_before, "load_average_after": load_after, "cpu_count": os.cpu_count(),
            "repeats": args.repeats, "cold_repeats": args.cold_repeats,
            "pages": [asdict(r) for r in results]}, indent=1))
        print(f"\nAll samples in {args.json}")


# --- profiling one page script ----------------------------------------------------------------------

def profile_page(path: str, top: int) -> None:
    """Run ``path`` twice under AppTest with cProfile on the script thread's CPU clock; print the top."""
    import cProfile
    import pstats

    import streamlit.runtime.scriptrunner.script_runner as script_runner
    from streamlit.testing.v1 import AppTest

    profiles = []
    run_script = script_runner.exec_func_with_error_handling

    def profiled(func, ctx):  # the script runs in its own thread: profile it there
        profiler, cpu = cProfile.Profile(time.thread_time), time.thread_time()
        profiler.enable()
        try:
            return run_script(func, ctx)
        finally:
            profiler.disable()
            profiles.append((profiler, time.thread_time() - cpu))

    script_runner.exec_func_with_error_handling = profiled
    for label in ("cold (first run in this process)", "warm (caches filled)"):
        app = AppTest.from_file(str(Path(path).resolve()), default_timeout=900)
        wall = time.perf_counter()
        app.run()
        profiler, cpu = profiles[-1]
        print(f"\n=== {path}, {label}: script CPU {cpu:.2f} s, wall {time.perf_counter() - wall:.2f} s"
              + (f", EXCEPTION {app.exception[0].message}" if app.exception else ""))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="only pages whose file name contains one of these (e.g. 01 Home)")
    parser.add_argument("--repeats", type=int, default=3, help="warm visits and interactions per page (median)")
    parser.add_argument("--cold-repeats", type=int, default=None,
                        help="fresh servers per page for the cold render (default: --repeats)")
    parser.add_argument("--timeout", type=float, default=300.0, help="s to wait for one page run")
    parser.add_argument("--chromium", default=os.environ.get("NNPES_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--json", help="also write every sample to this JSON file")
    parser.add_argument("--profile", metavar="PAGE_FILE", help="profile one page script under AppTest instead")
    parser.add_argument("--top", type=int, default=40, help="functions to print with --profile")
    args = parser.parse_args()
    if args.cold_repeats is None:
        args.cold_repeats = args.repeats
    import serve  # the server's thread settings, also for --profile

    for name, value in serve.ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if args.profile:
        profile_page(args.profile, args.top)
    else:
        run_benchmark(args)


if __name__ == "__main__":
    main()
