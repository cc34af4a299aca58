"""A class on the app: N students at once in real browsers (Debian Chromium through Playwright).

    python benchmarks/class_load.py                       # 10, 20 and 30 students, an SQLite file
    python benchmarks/class_load.py --sessions 5 --database-url postgresql://user@host/db

Each student, in their own browser context (a separate Streamlit session), walks a lesson the way a
class does: opens Home, joins the course in the sidebar, opens lesson 7 and answers a practice problem
(first wrong, then right), opens lesson 4 and presses the lecture preset
(10 s of Behler-Parrinello training, through the server's bounded job pool), and waits for the model.
The N students arrive within 10 s and then work at the same time; every wait has a limit (a page
300 s, a training 1800 s, a whole class 1500 s). The script starts its own app server (app/serve.py) on 127.0.0.1 and
one browser; all traffic stays on this machine, and every wait has a time limit.

It prints, per class size: page-ready time p50/p95 (from a navigation or click until the page's script
has finished, over every page of the walk), job queue wait p50/p95 (from when the page shows the job
waiting until it shows it running, plus the wait the page reported when first seen; 0 for a job that
started at once), trainings finished, errors (exception boxes, error lines, JavaScript errors, time-outs),
and whether the database holds exactly the answers that were given (and one model and two lesson
visits per student who finished), the CPU seconds the server used and those the rest of the machine used
(the browsers, mostly), and page-ready times by step of the walk. On a small machine the browsers and the
server share the CPU: the times are the whole system's, not the server's alone.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import io
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "app")]

from sqlalchemy import func, select  # noqa: E402

from nnpes_core import coursework  # noqa: E402
from nnpes_core.coursework.tables import Course, Student, TrainedModel  # noqa: E402

CHROMIUM = os.environ.get("NNPES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--metrics-recording-only", "--no-pings",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
PAGE_TIMEOUT_S = 300.0  # one page may take this long to be ready before it counts as an error
TRAINING_TIMEOUT_S = 1800.0  # a training may wait this long in the queue (the class limit usually ends a walk first)
CLASS_TIMEOUT_S = 1500.0  # a class size's walks end here, finished or not (unfinished walks are errors)
RAMP_S = 10.0  # the students arrive within this many seconds, as a class opening a link
LESSON = "07_derivatives"
# (problem id, text in its prompt, answers to give: (option label prefix or typed number, correct?))
ANSWERS = [
    ("why-central-is-second-order", "truncation error of the central difference",
     [("A. Because it uses twice", "A", False), ("B. Because in E(x+h)", "B", True)]),
]


@dataclass
class Walk:
    """What one student's walk measured."""
    name: str
    ready_s: list[float] = field(default_factory=list)  # page-ready times
    ready_at: list[str] = field(default_factory=list)  # where each of them was measured
    queue_wait_s: float | None = None
    trained: bool = False
    errors: list[str] = field(default_factory=list)
    answers: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # as the CSV export has them


def start_server(env: dict, log_path: Path):
    """The app server (app/serve.py's LocalServer); a server that does not come up ends the script."""
    import serve

    try:
        return serve.LocalServer(log_path, env)
    except serve.ServerError as error:
        raise SystemExit(str(error))


async def page_ready(page, started: float, timeout_s: float = PAGE_TIMEOUT_S) -> float:
    """Seconds from ``started`` until the script has finished (idle for 0.5 s; the 0.5 s not counted)."""
    app = page.locator('[data-testid="stApp"]')
    await app.wait_for(timeout=timeout_s * 1000)
    deadline, idle_since = started + timeout_s, None
    while time.monotonic() < deadline:
        state = await app.get_attribute("data-test-script-state")
        running = await page.locator('[data-testid="stStatusWidgetRunningIcon"]').count()
        if state == "notRunning" and not running:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= 0.5:
                return idle_since - started
        else:
            idle_since = None
        await asyncio.sleep(0.1)
    raise TimeoutError(f"page not ready after {timeout_s:.0f} s")


async def check_page(page, walk: Walk, where: str) -> None:
    for box in await page.locator('[data-testid="stException"]').all_inner_texts():
        walk.errors.append(f"{where}: exception box: {box[:200]}")
    for line in await page.locator('[data-testid="stAlertContentError"]').all_inner_texts():
        walk.errors.append(f"{where}: error line: {line[:200]}")


VERBOSE = False


def say(walk: Walk, what: str) -> None:
    if VERBOSE:
        print(f"{time.strftime('%H:%M:%S')} {walk.name}: {what}", flush=True)


async def navigate(page, walk: Walk, where: str, action) -> None:
    started = time.monotonic()
    say(walk, f"{where} …")
    await action()
    await asyncio.sleep(0.3)  # let the click reach the server before looking for the idle state
    try:
        walk.ready_s.append(await page_ready(page, started))
    except TimeoutError as error:
        raise TimeoutError(f"{where}: {error}") from None
    walk.ready_at.append(where)
    say(walk, f"{where} ready in {walk.ready_s[-1]:.1f} s")
    await check_page(page, walk, where)


async def answer_problems(page, walk: Walk) -> None:
    for problem, prompt, answers in ANSWERS:
        form = page.locator('[data-testid="stForm"]').filter(has_text=prompt)
        for label, given, correct in answers:
            await form.scroll_into_view_if_needed()
            if label:
                await form.get_by_text(label).click()
            else:
                await form.get_by_role("textbox").fill(given)
            started = time.monotonic()
            await form.get_by_role("button", name="Check").click()
            walk.answers.append((walk.name, LESSON, problem, given, str(correct)))  # sent: the server has it
            await asyncio.sleep(0.3)
            walk.ready_s.append(await page_ready(page, started))
            walk.ready_at.append("answer")
            await check_page(page, walk, f"answer {problem}")
            verdict = f"Correct: {given}" if correct else f"Not quite: {given}"
            await page.get_by_text(verdict).first.wait_for()


async def train(page, walk: Walk) -> None:
    """Press the lecture preset and wait for the model; measure how long the job waited in the queue."""
    started = time.monotonic()
    say(walk, "lecture preset pressed")
    await page.get_by_role("button", name=re.compile("Lecture preset")).click()
    waiting = page.get_by_text("Waiting for a free worker")
    running = page.locator('[data-testid="stProgress"]')
    done = page.get_by_text("available on every page of this session")
    first_waiting, reported = None, 0.0
    while time.monotonic() - started < TRAINING_TIMEOUT_S:
        if await done.count():
            break
        if await waiting.count():
            if first_waiting is None:
                first_waiting = time.monotonic()
                found = re.search(r"waited (\d+) s", " ".join(await waiting.all_inner_texts()))
                reported = float(found.group(1)) if found else 0.0
        elif await running.count() and walk.queue_wait_s is None:
            walk.queue_wait_s = 0.0 if first_waiting is None else reported + time.monotonic() - first_waiting
        await asyncio.sleep(0.25)
    else:
        raise TimeoutError(f"training not finished after {TRAINING_TIMEOUT_S:.0f} s")
    if walk.queue_wait_s is None:  # finished between two looks: it cannot have waited longer than this
        walk.queue_wait_s = 0.0 if first_waiting is None else reported + time.monotonic() - first_waiting
    walk.trained = True
    say(walk, f"trained (queue wait {walk.queue_wait_s:.1f} s)")
    await page_ready(page, time.monotonic())
    await check_page(page, walk, "training")


async def student_walk(browser, base: str, code: str, walk: Walk, delay_s: float) -> None:
    name = walk.name
    await asyncio.sleep(delay_s)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_S * 1000)  # navigation and clicks wait as long as a page may
    page = await context.new_page()
    page.on("pageerror", lambda error: walk.errors.append(f"JavaScript: {str(error)[:200]}"))
    sidebar = page.locator('[data-testid="stSidebar"]')
    try:
        await navigate(page, walk, "Home", lambda: page.goto(base, wait_until="domcontentloaded"))

        async def join():
            await sidebar.get_by_text("Class sign-in").click()
            await sidebar.get_by_label("Course code").fill(code)
            await sidebar.get_by_label("Your name or student number").fill(name)
            await sidebar.get_by_role("button", name="Join the course").click()
            await sidebar.get_by_text("Your resume link").wait_for(timeout=PAGE_TIMEOUT_S * 1000)
        await navigate(page, walk, "join", join)
        nav = page.locator('[data-testid="stSidebarNav"]')
        await navigate(page, walk, "lesson 7", lambda: nav.get_by_role("link", name="Derivatives").click())
        await answer_problems(page, walk)
        await navigate(page, walk, "lesson 4", lambda: nav.get_by_role("link", name="Training").click())
        await train(page, walk)
    except Exception as error:  # noqa: BLE001 - a failed walk is a measured error, not a crash
        walk.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


async def run_class(browser, base: str, database: coursework.Database, size: int,
                    timeout_s: float = CLASS_TIMEOUT_S) -> tuple[list[Walk], dict]:
    course = coursework.create_course(database, f"load test, {size} students")
    walks = [Walk(f"student {size}-{i:02d}") for i in range(size)]
    tasks = [asyncio.create_task(student_walk(browser, base, course.code, walk, RAMP_S * i / size))
             for i, walk in enumerate(walks)]
    _, unfinished = await asyncio.wait(tasks, timeout=timeout_s)
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*unfinished, return_exceptions=True)
    for walk, task in zip(walks, tasks):
        if task in unfinished:
            walk.errors.append(f"not finished within the class time limit ({timeout_s:.0f} s)")
    await asyncio.sleep(2.0)  # the server writes what the last clicks sent
    return walks, database_check(database, course.code, walks)


def database_check(database: coursework.Database, code: str, walks: list[Walk]) -> dict:
    """Does the database hold exactly the answers given (and a model, two visits per trained student)?"""
    rows = list(csv.reader(io.StringIO(coursework.export_csv(database, code))))[1:]
    stored = collections.Counter(tuple(row[:5]) for row in rows)
    given = collections.Counter(answer for walk in walks for answer in walk.answers)
    cells = coursework.class_summary(database, code)
    visits = collections.Counter(cell.student for cell in cells if cell.visited)
    with database.transaction() as session:
        models = dict(session.execute(
            select(Student.name, func.count(TrainedModel.id)).join(TrainedModel, TrainedModel.student_id == Student.id)
            .join(Course, Course.id == Student.course_id).where(Course.code == code).group_by(Student.name)).all())
    trained = [walk.name for walk in walks if walk.trained]
    return {"answers_exact": stored == given, "answers": sum(given.values()), "stored": sum(stored.values()),
            "models_ok": all(models.get(name) == 1 for name in trained) and sum(models.values()) == len(trained),
            "visits_ok": all(visits.get(name, 0) >= 2 for name in trained)}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all cores; idle and I/O wait not counted)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS


def percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    p50, p95 = np.percentile(values, [50, 95])
    return f"{p50:.1f} / {p95:.1f}"


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    folder = Path(tempfile.mkdtemp(prefix="nnpes-class-load-"))
    url = args.database_url or f"sqlite:///{folder / 'coursework.sqlite3'}"
    env = {"NNPES_DATABASE_URL": url}
    if args.max_jobs:
        env["NNPES_MAX_JOBS"] = str(args.max_jobs)
    database = coursework.open_database(url)
    database.ensure_schema()
    server = start_server(env, folder / "server.log")
    base = server.url
    print(f"app server {base} (log {folder / 'server.log'}), database {database.backend}, "
          f"job workers {args.max_jobs or os.cpu_count()}, {os.cpu_count()} CPU cores", flush=True)
    results = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm, _ = await run_class(browser, base, database, 1)  # caches filled, as on a server in use
            print(f"warm-up walk: {len(warm[0].errors)} errors {warm[0].errors[:2]}", flush=True)
            for size in args.sessions:
                started, server_cpu, all_cpu = time.monotonic(), server.cpu_seconds(), machine_cpu_s()
                walks, check = await run_class(browser, base, database, size, args.class_timeout)
                server_cpu = server.cpu_seconds() - server_cpu
                cpu = (server_cpu, machine_cpu_s() - all_cpu - server_cpu)
                results.append((size, walks, check, time.monotonic() - started, cpu))
                print(f"{size} students done in {time.monotonic() - started:.0f} s", flush=True)
                for walk in walks:
                    for error in walk.errors[:3]:
                        print(f"  {walk.name}: {error}", flush=True)
            await browser.close()
    finally:
        server.stop()
    print()
    print("| students | page ready p50 / p95 (s) | job queue wait p50 / p95 (s) | trainings finished | errors "
          "| answers given = stored | models, visits stored | wall time (s) | CPU s: server / browsers, rest |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size, walks, check, wall, cpu in results:
        ready = [t for walk in walks for t in walk.ready_s]
        waits = [walk.queue_wait_s for walk in walks if walk.queue_wait_s is not None]
        errors = sum(len(walk.errors) for walk in walks)
        print(f"| {size} | {percentiles(ready)} | {percentiles(waits)} | {sum(w.trained for w in walks)} / {size} "
              f"| {errors} | {'yes' if check['answers_exact'] else 'NO'} ({check['answers']} = {check['stored']}) "
              f"| {'yes' if check['models_ok'] and check['visits_ok'] else 'NO'} | {wall:.0f} | {cpu[0]:.0f} / {cpu[1]:.0f} |")
    print()
    print("Page ready p50 / p95 (s) by step of the walk:")
    for size, walks, *_ in results:
        steps = collections.defaultdict(list)
        for walk in walks:
            for where, seconds in zip(walk.ready_at, walk.ready_s):
                steps[where].append(seconds)
        print(f"  {size} students: " + ", ".join(f"{where} {percentiles(values)}" for where, values in steps.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20, 30], help="class sizes, run in turn")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--verbose", action="store_true", help="print each student's steps as they happen")
    parser.add_argument("--class-timeout", type=float, default=CLASS_TIMEOUT_S,
                        help="s after which a class size's unfinished walks count as errors")
    parser.add_argument("--max-jobs", type=int, default=None, help="job workers of the server (NNPES_MAX_JOBS)")
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
