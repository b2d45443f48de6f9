"""The first start of a new site: bootstrap runs once while every other process waits.

gunicorn is booted with the production settings (gunicorn.conf.py, three sync workers) on
brand-new instance folders, some boots with CLI commands racing it, and each boot must
answer on every worker. Which worker answered is read from the access log, whose format
gets the worker's pid (%(p)s) for these boots; gunicorn's own control socket is also
off for them (it has one path per user); everything else is gunicorn.conf.py. Then
processes calling create_app at one moment must leave one set of demo content and one key.
"""

import multiprocessing
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gunicorn.config import KNOWN_SETTINGS

from tests.helpers.live import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKERS = 3
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s'  # %(p)s is "<pid>" of the worker that answered
PASSWORD = "a long first start password"
RACERS = {
    "migrate": (["cms", "migrate"], ""),
    "create-user": (["cms", "create-user", "owner@example.org"], PASSWORD + "\n"),
    "backup": (["cms", "backup"], ""),
}
# (racing CLI commands, gunicorn settings): "production" is gunicorn.conf.py itself;
# "no-hook" is the same without its on_starting hook, so that the three workers race
# each other and the lock in create_app alone must hold.
BOOTS = [
    ((), "production"),
    ((), "production"),
    ((), "production"),
    (("migrate",), "production"),
    (("create-user",), "production"),
    (("backup",), "production"),
    (("migrate", "create-user", "backup"), "production"),
    ((), "no-hook"),
    ((), "no-hook"),
    (("migrate", "create-user", "backup"), "no-hook"),
]
# Recent gunicorn opens a control socket at one path in the home folder; boots side by
# side would take it from one another (it has nothing to do with starting the site).
ISOLATED = [s.cli[0] for s in KNOWN_SETTINGS if s.name == "control_socket_disable"]
BOOT_TIMEOUT = 40  # seconds for one boot to have every worker up (two CPUs are shared)


def _environment(instance: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMS_", "GUNICORN_"))}
    return dict(
        env,
        CMS_INSTANCE_PATH=str(instance),
        CMS_ENV="production",
        CMS_SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )


def _config(tmp: Path, kind: str) -> Path:
    if kind == "production":
        return ROOT / "gunicorn.conf.py"
    path = tmp / "gunicorn-no-hook.conf.py"
    path.write_text(
        f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n"
        "globals().pop('on_starting', None)\n"
    )
    return path


def _ask_every_worker(port: int) -> list[int]:
    """One request per worker at once: each idle connection holds one worker, so the
    next connection must be accepted by another. Returns the status codes."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(WORKERS)]
    statuses = []
    try:
        time.sleep(0.1)
        for s in sockets:
            s.sendall(f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        for s in sockets:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
            statuses.append(int(answer.split(b" ", 2)[1]) if answer else 0)
    finally:
        for s in sockets:
            s.close()
    return statuses


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _database_fds(pid: int) -> list[str]:
    """Files of the database (or its WAL) that process pid holds open."""
    fds = Path(f"/proc/{pid}/fd")
    links = []
    for fd in fds.iterdir() if fds.exists() else []:
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return [link for link in links if "cms.sqlite3" in link]


def boot(tmp: Path, racers: tuple[str, ...], kind: str) -> tuple[bool, str | None]:
    """Boot gunicorn on a new instance, racing CLI commands. Returns whether every worker
    answered, and None if everything else stayed clean too, else what went wrong."""
    instance, port, log = tmp / "instance", free_port(), tmp / "gunicorn.log"
    env = _environment(instance, port)
    command = [
        str(BIN / "gunicorn"), "-c", str(_config(tmp, kind)), "-b", f"127.0.0.1:{port}",
        "-w", str(WORKERS), "--access-logformat", ACCESS_FORMAT, *ISOLATED, "app:app",
    ]  # fmt: skip
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    clis = []
    for name in racers:
        args, stdin = RACERS[name]
        out = open(tmp / f"{name}.log", "w")  # noqa: SIM115 (closed below)
        cli = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        cli.stdin.write(stdin)
        cli.stdin.close()
        clis.append((name, cli, out))
    problems, booted, served = [], [], set()
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline and server.poll() is None:
            text = log.read_text()
            booted = [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", text)]
            served = {int(p) for p in re.findall(r'^<(\d+)> "GET ', text, re.M)}
            if len(booted) >= WORKERS and served >= set(booted):
                break
            try:
                statuses = _ask_every_worker(port)
            except OSError:
                time.sleep(0.2)  # not listening yet
                continue
            if any(code != 200 for code in statuses):
                problems.append(f"answers {statuses}")
                break
        alive = [pid for pid in booted if Path(f"/proc/{pid}").exists()]
        if server.poll() is not None:
            problems.append(f"gunicorn exited with {server.returncode}")
        elif len(booted) != WORKERS or not served >= set(booted):
            problems.append(f"workers {booted} booted, {sorted(served)} answered")
        elif alive != booted:
            problems.append(f"workers {booted} booted, {alive} still alive")
        served_all = not problems
        if _database_fds(server.pid):
            problems.append(f"the master holds {_database_fds(server.pid)}")
        for name, cli, _ in clis:
            try:
                cli.wait(timeout=BOOT_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append(f"`cms {name}` did not finish")
            else:
                if cli.returncode:
                    problems.append(f"`cms {name}` exited with {cli.returncode}")
    finally:
        for _, cli, out in clis:
            _stop(cli)
            out.close()
        _stop(server)
    text = log.read_text()
    for marker in ("Traceback", "Worker failed to boot", "exited with code"):
        if marker in text:
            problems.append(f"the log says {marker!r}")
    # Once per start: the master's bootstrap logs it, the workers stay quiet (a racing
    # CLI command may have logged it in its own output; without the hook each worker
    # says so, as before).
    announcements = text.count("No account yet")
    if kind == "production" and (announcements > 1 or not racers and "/admin/setup/" not in text):
        problems.append(f"the setup link was announced {announcements} times")
    if not problems:
        return served_all, None
    logs = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(tmp.glob("*.log")))
    return served_all, f"{tmp.name} (racing: {', '.join(racers) or 'nothing'}, {kind}): " + (
        "; ".join(problems) + "\n" + logs
    )


@pytest.mark.slow
def test_fresh_boots_serve_on_every_worker(tmp_path, report):
    dirs = []
    for n in range(len(BOOTS)):
        dirs.append(tmp_path / f"boot-{n}")
        dirs[-1].mkdir()
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(boot, dirs, *zip(*BOOTS, strict=True)))
    served = sum(served_all for served_all, _ in outcomes)
    failures = [problem for _, problem in outcomes if problem]
    report("fresh gunicorn boots that served on every worker", f"{served}/{len(BOOTS)}")
    report("fresh gunicorn boots without any fault", f"{len(BOOTS) - len(failures)}/{len(BOOTS)}")
    assert not failures, "\n\n".join(failures)


def _start(instance: str, barrier, results) -> None:
    """In a new process: wait for the others, then build the app; report its secret key."""
    import cms.admin
    import cms.ops.token_cli
    import cms.public  # noqa: F401  (imported first, so the processes meet in the bootstrap)
    from cms import create_app

    barrier.wait(timeout=60)
    try:
        app = create_app({"TESTING": True, "INSTANCE_PATH": instance})  # generates the key
        results.put((instance, app.config["SECRET_KEY"]))
    except BaseException as exc:
        results.put((instance, f"failed: {exc!r}"))
        raise


def _row_counts(instance: Path) -> dict[str, int]:
    conn = sqlite3.connect(instance / "cms.sqlite3")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def _run_together(crowds: dict[Path, int]) -> dict[str, list[str]]:
    """Start so many processes on each instance at the same moment; their secret keys."""
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited
    barrier, results = spawn.Barrier(sum(crowds.values())), spawn.Queue()
    processes = [
        spawn.Process(target=_start, args=(str(instance), barrier, results))
        for instance, count in crowds.items()
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    keys: dict[str, list[str]] = {str(instance): [] for instance in crowds}
    try:
        for _ in processes:
            instance, key = results.get(timeout=60)
            keys[instance].append(key)
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
    return keys


@pytest.mark.slow
def test_processes_starting_at_once_bootstrap_exactly_once(tmp_path):
    alone, crowds = tmp_path / "alone", [tmp_path / f"crowd-{n}" for n in range(3)]
    keys = _run_together({alone: 1, **dict.fromkeys(crowds, 4)})
    expected = _row_counts(alone)
    assert expected["post"] and expected["notice"] and expected["nav_item"]  # demo content
    for instance in crowds:
        on_disk = (instance / "secret_key").read_text().strip()
        assert len(on_disk) == 64
        assert keys[str(instance)] == [on_disk] * 4  # every process started, with that key
        assert _row_counts(instance) == expected  # demo content, notices and menu once
