"""What the e2e drivers share (bin/e2e-openwebui, bin/e2e-container, bin/e2e-local-model): the step runner that prints
each step with its timing and counts passes and failures, a small JSON-over-HTTP helper, the processes a run starts on
loopback ports of their own and stops by pid, and the test suite's fake Anthropic run as a process of its own
(haia.testing.FakeAnthropicMain) with its control API. Python's standard library only."""

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

# The fake Anthropic's key (FakeAnthropic.API_KEY): HAIA must send it, as it would send a real key.
FAKE_ANTHROPIC_KEY = 'sk-ant-test-4f1c9e'


class Run:
    """The steps of a run: each prints one line (ok or FAIL, its number, its title, its time) and what it returned
    or why it failed."""

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

    def interrupted(self):
        print('[FAIL] interrupted', flush=True)
        self.failed += 1

    def ok(self):
        return self.passed > 0 and self.failed == 0

    def finish(self, name):
        """The two lines every e2e run ends with; returns its exit code."""
        print(f'{name}: {time.monotonic() - self.started:.0f} s')
        print(f'{self.passed} passed, {self.failed} failed', flush=True)
        return 0 if self.ok() else 1


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


def same_text(text):
    """Text as HAIA compares it (ContentHash): ends trimmed, line endings normalized. OpenWebUI strips the ends of a
    reply it shows; HAIA stores the model's text byte for byte."""
    return text.replace('\r\n', '\n').replace('\r', '\n').strip()


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


# ---- the fake Anthropic ----

def fake_anthropic_command(java, ports_file):
    """The fake Anthropic (and the fake Proxmox next to it) from the test classes, as the test suite runs them: it
    writes its addresses into ports_file once it listens (see read_fake_ports) and runs until it is killed."""
    classpath = os.pathsep.join([str(REPO / 'target/test-classes'), str(REPO / 'target/haia.jar'),
                                 str(REPO / 'target/libs/*')])
    return [java, '-XX:+UseSerialGC', '-Xmx128m', '-cp', classpath, 'haia.testing.FakeAnthropicMain',
            str(ports_file)]


def read_fake_ports(ports_file):
    """{'url', 'control', 'pve_url', 'pve_fingerprint', 'pve_token'} from the fake's ports file."""
    return dict(line.split('=', 1) for line in Path(ports_file).read_text().split())


class FakeAnthropic:
    """The fake's control API (haia.testing.FakeAnthropicMain)."""

    def __init__(self, control):
        self.control = control

    def requests(self, start=0):
        return http('GET', f'{self.control}/requests?from={start}')

    def count(self):
        return len(self.requests())

    def violations(self):
        return http('GET', f'{self.control}/violations')

    def script(self, pieces, delay_ms):
        return http('POST', f'{self.control}/script', {'pieces': pieces, 'delay_ms': delay_ms})

    def script_stream_error(self, pieces, error_type):
        return http('POST', f'{self.control}/script', {'pieces': pieces, 'delay_ms': 20, 'then_error': error_type})

    def script_error(self, status, kind, message):
        return http('POST', f'{self.control}/script', {'error': {'status': status, 'type': kind, 'message': message}})

    @staticmethod
    def text(content):
        return content if isinstance(content, str) else ''.join(b.get('text', '') for b in content)

    @classmethod
    def window(cls, request):
        """The conversation HAIA sent the model, as (role, content)."""
        return [(m['role'], same_text(cls.text(m['content']))) for m in request['body']['messages']]

    @classmethod
    def is_task(cls, request):
        messages = request['body']['messages']
        return len(messages) == 1 and cls.text(messages[0]['content']).startswith('### Task:')
