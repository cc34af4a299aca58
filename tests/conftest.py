"""Shared fixtures: a running app server and a headless Debian Chromium (for @pytest.mark.browser)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("NNPES_CHROMIUM", "/usr/bin/chromium")
# Headless, no GPU, and none of Chromium's own background traffic (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-breakpad",
    "--metrics-recording-only", "--no-pings", "--disable-features=OptimizationHints,Translate,MediaRouter",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",  # WebGL (3Dmol.js) in software
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_server():
    """Start ``streamlit run app/Home.py`` (flags from app/serve.py) and yield its base URL."""
    sys.path.insert(0, str(ROOT / "app"))
    import serve

    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "server.log"
    env = {**os.environ, **serve.ENVIRONMENT}
    with open(log_path, "w") as log:
        process = subprocess.Popen(serve.command(port, address="127.0.0.1"), cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app server exited with code {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not become healthy in 120 s; see {log_path}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright (never ``playwright install``).

    Skips when /usr/bin/chromium is missing, unless NNPES_REQUIRE_BROWSER=1 (CI), where it fails.
    """
    if not shutil.which(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium) for the real-browser test"
        if os.environ.get("NNPES_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; NNPES_REQUIRE_BROWSER=1 requires it")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# ---------------------------------------------------------------------------------------------------
# Model suite (nnpes_core models, training, analysis): shared data, one small trained model per kind,
# and the parametrised ``*_model`` fixtures of tests/model_suite.py. Session-scoped: built once.
# The page tests get saved stand-in models from here too (``stand_in_models_dir``, ``models_at``).
# ---------------------------------------------------------------------------------------------------
import model_suite  # noqa: E402  (tests/ is on sys.path for conftest and test modules)


@pytest.fixture(scope="session")
def morse_water_frames():
    """60 water structures, normal-mode sampled at 1000 K around the Morse minimum, Morse-labelled."""
    from nnpes_core.data import molecule, normal_mode_sampling
    from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential

    calculator = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    return normal_mode_sampling(molecule("H2O"), calculator, 60, 1000.0, seed=0, optimize_first=True)


@pytest.fixture(scope="session")
def trained_models(morse_water_frames):
    """kind -> a float64 model trained for about a second on the first 48 water structures."""
    train_frames, val_frames = morse_water_frames[:48], morse_water_frames[48:]
    return {kind: model_suite.trained_model(kind, train_frames, val_frames) for kind in model_suite.ALL_KINDS}


@pytest.fixture(scope="session")
def stand_in_models_dir(tmp_path_factory, morse_water_frames) -> Path:
    """A folder with stand-ins for assets/models/water_{cartesian,bp,equivariant}.pt, for the page tests:
    float64 models trained for about a second each on the first 48 water structures."""
    from nnpes_core.models import save_model

    folder = tmp_path_factory.mktemp("models")
    train_frames, val_frames = morse_water_frames[:48], morse_water_frames[48:]
    for kind in ("cartesian", "bp", "equivariant"):
        save_model(model_suite.trained_model(kind, train_frames, val_frames), folder / f"water_{kind}.pt")
    return folder


@pytest.fixture
def models_at(monkeypatch):
    """``models_at(folder)``: for this test the app reads its pretrained models from ``folder``."""
    import resources  # app/resources.py (app/ is on sys.path for the tests)

    def use(folder) -> None:
        monkeypatch.setattr(resources, "MODELS_DIR", Path(folder))
    return use


@pytest.fixture(scope="session")
def untrained_models():
    """kind -> a float64 model with random weights for ethanol's elements (C, H, O)."""
    numbers = model_suite.distorted_ethanol().numbers
    return {kind: model_suite.untrained_model(kind, numbers) for kind in model_suite.ALL_KINDS}


# ---------------------------------------------------------------------------------------------------
# Coursework (nnpes_core.coursework): a real PostgreSQL for the session, and a fresh database per test
# on SQLite and on PostgreSQL (``coursework_url`` is parametrised over both).
# ---------------------------------------------------------------------------------------------------
import sqlalchemy  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server (tests/postgres_server.py) for the whole test session.

    Skips when the server binaries are missing, unless NNPES_REQUIRE_POSTGRES=1 (CI), where it fails."""
    from postgres_server import PostgresServer, server_binaries

    if server_binaries() is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        if os.environ.get("NNPES_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + "; NNPES_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(message)
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def postgres_coursework_url(postgres):
    """One database on the session's PostgreSQL for the coursework tests (emptied before each test)."""
    return postgres.create_database("coursework")


@pytest.fixture(params=["sqlite", "postgresql"])
def coursework_url(request, tmp_path):
    """The URL of an empty coursework database: a new SQLite file, or the PostgreSQL test database
    with every table emptied (cheaper than a new database per test)."""
    from nnpes_core.coursework.database import forget_database, open_database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'coursework.sqlite3'}"
        yield url
        forget_database(url)  # close the pooled connections of this process
        return
    url = request.getfixturevalue("postgres_coursework_url")
    with open_database(url).transaction() as session:  # migrates the first time
        session.execute(sqlalchemy.text("TRUNCATE courses, students, attempts, lesson_visits, trained_models "
                                        "RESTART IDENTITY CASCADE"))
    yield url
