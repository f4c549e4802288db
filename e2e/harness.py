"""What the end-to-end drivers share (bin/e2e-openwebui, bin/e2e-local-model): the numbered, timed steps that end
with 'N passed, M failed', the processes they start on loopback ports of their own and stop by pid, and plain JSON
over HTTP. Standard library only: each driver runs it with the Python of its own cached virtual environment."""

import json
import os
import signal
import socket
import subprocess
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class Run:
    """Numbered steps, each timed; a failure is counted and reported, and the run goes on."""

    def __init__(self):
        self.passed = self.failed = 0
        self.started = time.monotonic()

    def step(self, title, fn):
        t0 = time.monotonic()
        try:
            detail = fn()
            self.passed += 1
            mark = 'ok  '
        except Exception as e:  # noqa: BLE001 - every failure is reported and counted
            self.failed += 1
            mark = 'FAIL'
            detail = f'{type(e).__name__}: {e}'
            if not isinstance(e, AssertionError):
                detail += '\n' + traceback.format_exc()
        print(f'[{mark}] {self.passed + self.failed:2d}. {title:<58} {time.monotonic() - t0:6.1f} s'
              + (f'\n        {detail}' if detail else ''), flush=True)
        return mark == 'ok  '


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f'HTTP {status}: {body[:500]}')
        self.status, self.body = status, body


def http(method, url, body=None, token=None, timeout=60, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Accept', 'application/json')
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    if token:
        req.add_header('Authorization', f'Bearer {token}')
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read().decode()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise HttpError(e.code, e.read().decode(errors='replace')) from None


def wait_for(what, check, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def clean_env(**extra):
    """The parent's environment without anything that would configure HAIA or OpenWebUI behind our back."""
    prefixes = ('HAIA_', 'ANTHROPIC_', 'OPENAI_', 'OLLAMA_', 'GEMINI_', 'SERVER_', 'WEBUI_', 'ENABLE_', 'DATA_DIR')
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(extra)
    return env


class Processes:
    """Processes of one run, each logging to WORK/<name>.log; stop() ends each by pid (SIGTERM, then SIGKILL)."""

    def __init__(self, work):
        self.work = Path(work)
        self.procs = []  # (name, Popen)

    def _start(self, name, cmd, env, cwd):
        log = open(self.work / f'{name}.log', 'wb')
        # a process group of its own, so that stop() also reaches anything it forks (uvicorn, the JVM's helpers)
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def log(self, name):
        path = self.work / f'{name}.log'
        return path.read_text(errors='replace') if path.exists() else ''

    def _await_healthy(self, name, proc, url, timeout):
        def healthy():
            with urllib.request.urlopen(url + '/health', timeout=2) as r:
                return r.status == 200
        self._await(name, proc, healthy, timeout)

    def _await(self, name, proc, check, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f'{name} exited with {proc.returncode}:\n{self.log(name)[-4000:]}')
            try:
                if check():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f'{name} not ready within {timeout} s:\n{self.log(name)[-4000:]}')

    def stop(self):
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        self.procs.clear()
