"""bin/e2e-container's driver: HAIA's container image built from the repository's Containerfile and run the way
deploy/haia.container runs it, against the test suite's fake Anthropic on 127.0.0.1.

No registry is needed. The base is made from Debian packages (debootstrap's minbase of Debian 13 with its
openjdk-25-jre-headless), built once and cached together with Quadlet's generator from the same release's podman
package; each run imports it into a Podman storage of its own, builds the image's runtime stage on it with
target/haia.jar and target/libs as the "app" build context, lets Quadlet generate the systemd services of deploy/,
and runs HAIA with the podman command Quadlet generated for haia.service, changed only where this machine and a
loopback run must (see local_run). Prints each step with its timing and ends with 'N passed, M failed'.

Usage: python3 e2e.py --work DIR --cache DIR --java JAVA [--mirror URL] [--rebuild-base]
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection, HTTPException
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parent))
from common import (FAKE_ANTHROPIC_KEY, REPO, FakeAnthropic, HttpError, Run, fake_anthropic_command,  # noqa: E402
                    free_port, http, read_fake_ports, wait_for)
from image import JRE, LIMITS, SUITE, Base, Podman, Shell, mb, processes_using, release_mounts  # noqa: E402
from quadlet import (HOST_LOOPBACK, IMAGE, UID, check_promises, exec_start, generated_services,  # noqa: E402
                     local_run)

BASE_IMAGE = f'localhost/haia-e2e-base:{SUITE}'
CONVERSATION = 'e2e-container'      # X-Haia-Conversation of this run's chat


class Scenario:
    def __init__(self, options):
        self.work = Path(options.work)
        self.sh = Shell(self.work / 'commands.log')
        self.podman = Podman(self.sh, self.work / 'podman')
        self.base = Base(self.sh, options.cache, self.work, options.mirror)
        self.options = options
        self.java = options.java
        self.haia_key = 'haia-e2e-' + os.urandom(16).hex()
        self.fake_proc = None
        self.figures = {}
        self.port = None

    # -- setup --

    def build_base(self):
        t0 = time.monotonic()
        described = self.base.ensure(self.options.rebuild_base)
        self.figures['base_step'], self.figures['base_built'] = time.monotonic() - t0, self.base.info()['seconds']
        return described

    def import_base(self):
        t0 = time.monotonic()
        self.podman('import', '-q', self.base.tar, BASE_IMAGE, timeout=600)
        self.figures['base'] = self.podman.size(BASE_IMAGE)
        return f'{BASE_IMAGE}: {mb(self.figures["base"])} ({time.monotonic() - t0:.0f} s)'

    def build_image(self):
        t0 = time.monotonic()
        self.podman('build', '--pull=never', '--network', 'none', '--build-arg', f'RUNTIME_IMAGE={BASE_IMAGE}',
                    '--build-context', f'app={REPO / "target"}', '-f', REPO / 'Containerfile', '-t', IMAGE, REPO,
                    timeout=900)
        self.figures['build'] = time.monotonic() - t0
        self.figures['image'] = self.podman.size(IMAGE)
        size, base = self.figures['image'], self.figures['base']
        return (f'{IMAGE} in {self.figures["build"]:.0f} s: {mb(size)}, the base {mb(base)} + '
                f'{mb(size - base)} (HAIA, its libs, the AOT cache)')

    def quadlet(self):
        units = self.work / 'units'
        units.mkdir()
        for unit in sorted((REPO / 'deploy').glob('*.container')) + sorted((REPO / 'deploy').glob('*.network')):
            shutil.copy(unit, units)
        # the generator runs on the base (its own Debian release's C library), over the files users copy
        done = self.podman('run', '--rm', '--network', 'none', *LIMITS, '-v', f'{self.base.quadlet}:/quadlet:ro',
                           '-v', f'{units}:/units:ro', '--env', 'QUADLET_UNIT_DIRS=/units', BASE_IMAGE,
                           '/quadlet', '-dryrun', check=False)
        assert done.returncode == 0, f'Quadlet refused the units:\n{done.stderr[-3000:]}'
        services = generated_services(done.stdout)
        assert set(services) == {'haia.service', 'haia-network.service', 'openwebui.service'}, sorted(services)
        (self.work / 'haia.service').write_text(services['haia.service'])
        self.generated = exec_start(services['haia.service'])
        self.grace, self.stop_timeout = check_promises(self.generated)
        return (f'podman {self.base.info()["podman"]}\'s Quadlet generated {", ".join(sorted(services))}; '
                f'haia.service: {shlex.join(self.generated[1:])}')

    def start_fake(self):
        ports = self.work / 'fake.ports'
        with open(self.work / 'fake-anthropic.log', 'wb') as log:
            self.fake_proc = subprocess.Popen(fake_anthropic_command(self.java, ports), stdout=log,
                                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.work,
                                              start_new_session=True)
        wait_for('the fake Anthropic', lambda: ports.exists() or self.fake_proc.poll() is not None, 60)
        assert self.fake_proc.poll() is None, (self.work / 'fake-anthropic.log').read_text()[-3000:]
        values = read_fake_ports(ports)
        self.fake = FakeAnthropic(values['control'])
        self.fake_port = int(values['url'].rsplit(':', 1)[1])
        return f'{values["url"]}, reached from the container at http://{HOST_LOOPBACK}:{self.fake_port}'

    def secrets(self):
        for name, value in (('anthropic-api-key', FAKE_ANTHROPIC_KEY), ('haia-api-key', self.haia_key)):
            self.podman('secret', 'create', name, '-', stdin=value)
        return 'anthropic-api-key, haia-api-key (podman secret create, as the unit\'s header says)'

    # -- HAIA in its container --

    def start(self, name='haia', volume='haia-data', extra_env=()):
        """Runs the generated command; returns the seconds from `podman run` to /health answering UP."""
        port = free_port()
        args = local_run(self.generated, name, volume, port, self.fake_port, extra_env)
        t0 = checked = time.monotonic()
        self.podman(*args, timeout=120)

        def up():
            nonlocal checked
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=2) as r:
                    return r.status == 200 and b'"status":"UP"' in r.read()
            except (OSError, HTTPException):
                # a container that died says why; asked once a second, not to slow down the start it measures
                if time.monotonic() - checked > 1:
                    checked = time.monotonic()
                    state = self.podman.out('inspect', '--format', '{{.State.Status}}', name)
                    assert state == 'running', f'{name} is {state}:\n{self.logs(name)[-3000:]}'
                return False
        wait_for(f'{name} healthy', up, 90, interval=0.05)
        seconds = time.monotonic() - t0
        if name == 'haia':
            self.port = port
        return seconds

    def logs(self, name='haia'):
        done = self.podman('logs', name, check=False)
        return done.stdout + done.stderr

    def jvm_start(self, name='haia'):
        """Helidon's own figure: 'Started all channels in N milliseconds. M milliseconds since JVM startup.'"""
        found = re.search(r'(\d+) milliseconds since JVM startup', self.logs(name))
        return int(found.group(1)) / 1000 if found else None

    def save_logs(self, name, file):
        (self.work / file).write_text(self.logs(name))

    def aot_in_use(self, name='haia'):
        """The JVM maps the AOT cache's file into memory when it uses it."""
        return self.podman('exec', name, 'grep', '-q', 'haia.aot', '/proc/1/maps', check=False).returncode == 0

    def chat(self, text):
        return http('POST', f'http://127.0.0.1:{self.port}/v1/chat/completions',
                    {'model': 'haia', 'messages': [{'role': 'user', 'content': text}]},
                    token=self.haia_key, headers={'X-Haia-Conversation': CONVERSATION})

    def stored(self):
        base = f'http://127.0.0.1:{self.port}/v1/conversations'
        found = [c for c in http('GET', base, token=self.haia_key)['data'] if c['key'] == CONVERSATION]
        assert found, f'no conversation {CONVERSATION} stored'
        messages = http('GET', f'{base}/{found[0]["id"]}/messages?limit=100', token=self.haia_key)['data']
        return [(m['role'], m['content'], m['status']) for m in messages]

    # -- the checks --

    def first_start(self):
        seconds = self.start()
        jvm = self.jvm_start()
        health = self.podman('healthcheck', 'run', 'haia', check=False)
        assert health.returncode == 0, f'podman healthcheck run haia: {health.stdout}{health.stderr}'
        return (f'/health UP {seconds:.2f} s after podman run (the JVM listened after {jvm} s); '
                f'podman healthcheck run haia (the unit\'s HealthCmd): healthy')

    def non_root(self):
        status = self.podman.out('exec', 'haia', 'cat', '/proc/1/status')
        ids = {l.split(':')[0]: l.split()[1:] for l in status.splitlines() if l.startswith(('Uid:', 'Gid:'))}
        assert ids['Uid'] == [UID] * 4 and ids['Gid'] == [UID] * 4, ids
        name = self.podman.out('exec', 'haia', 'id', '-un')
        return f'PID 1 (java) runs as uid {UID} ({name}), gid {UID}; no capabilities: ' + \
            next(l.split()[1] for l in status.splitlines() if l.startswith('CapEff:'))

    def read_only(self):
        assert self.podman.out('inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', 'haia') == 'true'
        write = self.podman('exec', 'haia', 'touch', '/app/probe', check=False)
        assert write.returncode != 0 and 'Read-only file system' in write.stderr, write.stderr
        for folder in ('/data', '/tmp'):
            self.podman('exec', 'haia', 'sh', '-c', f'touch {folder}/probe && rm {folder}/probe')
        return 'the image is read-only (touch /app/probe: Read-only file system); /data (volume) and /tmp are writable'

    def no_secret_shown(self):
        shown = {'podman inspect haia': self.podman.out('inspect', 'haia'), 'podman logs haia': self.logs()}
        for where, text in shown.items():
            for name, value in (('the Anthropic key', FAKE_ANTHROPIC_KEY), ('HAIA\'s key', self.haia_key)):
                assert value not in text, f'{name} is in {where}'
        # the key was read from its file: without it the API refuses, with it the chat below works
        try:
            http('GET', f'http://127.0.0.1:{self.port}/v1/models')
            raise AssertionError('/v1/models answered without HAIA\'s key')
        except HttpError as e:
            assert e.status == 401, e
        return 'neither key in podman inspect or the logs; /v1/models without the key: 401'

    def aot(self):
        assert self.aot_in_use(), 'the JVM has not mapped /app/haia.aot'
        assert 'not using the AOT cache' not in self.logs(), 'bin/start left the AOT cache out'
        return 'the JVM maps /app/haia.aot (bin/start passed -XX:AOTCache)'

    def chat_stored(self):
        reply = self.chat('pve2 lost quorum, where do I start?')
        text = reply['choices'][0]['message']['content']
        assert text == 'Echo: pve2 lost quorum, where do I start?', text
        stored = self.stored()
        assert stored == [('user', 'pve2 lost quorum, where do I start?', 'ok'), ('assistant', text, 'ok')], stored
        return f'answered "{text}", stored as a user and an assistant message in /data/haia.db'

    def stop_during_stream(self):
        pieces = [f'word{i} ' for i in range(30)]
        self.fake.script(pieces, 100)   # about 3 s of streaming
        result, first = {}, threading.Event()

        def read():
            conn = HTTPConnection('127.0.0.1', self.port, timeout=60)
            conn.request('POST', '/v1/chat/completions', json.dumps(
                {'model': 'haia', 'stream': True, 'messages': [{'role': 'user', 'content': 'a long answer, please'}]}),
                {'Authorization': f'Bearer {self.haia_key}', 'Content-Type': 'application/json',
                 'X-Haia-Conversation': CONVERSATION})
            response = conn.getresponse()
            result['status'], text = response.status, []
            for raw in response:
                line = raw.decode().strip()
                if line == 'data: [DONE]':
                    result['done_at'] = time.monotonic()
                    break
                if line.startswith('data: '):
                    for choice in json.loads(line[6:]).get('choices', []):
                        text.append(choice.get('delta', {}).get('content') or '')
                    if ''.join(text):
                        first.set()
            result['text'] = ''.join(text)
            conn.close()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert first.wait(20), 'no streamed content within 20 s'
        configured = self.podman.out('inspect', '--format', '{{.Config.StopTimeout}}', 'haia')
        assert configured == str(self.stop_timeout), f'the container\'s stop timeout is {configured}'
        sent = time.monotonic()
        self.podman('stop', 'haia', timeout=self.stop_timeout + 30)   # the container's own stop timeout applies
        stopped = time.monotonic() - sent
        reader.join(30)
        code = self.podman.out('inspect', '--format', '{{.State.ExitCode}}', 'haia')
        logs = self.logs()
        assert result.get('status') == 200, result
        assert result.get('text') == ''.join(pieces), f'the reply was cut: {result.get("text")!r}'
        assert result.get('done_at', 0) > sent, 'the stream ended before SIGTERM: nothing was drained'
        assert stopped < self.grace, f'podman stop took {stopped:.1f} s'
        assert code in ('0', '143'), f'exit code {code}\n{logs[-3000:]}'
        assert 'Shutting down: waiting up to' in logs and 'HAIA stopped' in logs, logs[-3000:]
        return (f'the reply ({len(pieces)} pieces) finished {result["done_at"] - sent:.1f} s after SIGTERM; '
                f'podman stop returned after {stopped:.1f} s; exit code {code}')

    def recreate(self):
        self.save_logs('haia', 'haia-1.log')
        self.podman('rm', 'haia')   # the container; the volume stays
        seconds = self.start()
        stored = self.stored()
        expected = [('user', 'pve2 lost quorum, where do I start?', 'ok'),
                    ('assistant', 'Echo: pve2 lost quorum, where do I start?', 'ok'),
                    ('user', 'a long answer, please', 'ok'),
                    ('assistant', ''.join(f'word{i} ' for i in range(30)), 'ok')]
        assert stored == expected, stored
        mark = self.fake.count()
        self.chat('and after the restart?')
        window = FakeAnthropic.window(self.fake.requests(mark)[-1])
        assert window == [(r, c.strip()) for r, c, _ in expected] + [('user', 'and after the restart?')], window
        return (f'a new container on the same volume (healthy in {seconds:.2f} s) has both exchanges, and the next '
                f'request sent the model all four messages before the new one')

    def startup_figures(self):
        """Start-up with and without the AOT cache: three starts each on a volume of their own, alternating."""
        runs = {True: [], False: []}
        for _ in range(3):
            for cached in (True, False):
                env = () if cached else ('HAIA_AOT_CACHE=/nonexistent',)
                seconds = self.start('haia-startup', 'haia-startup', env)
                assert self.aot_in_use('haia-startup') == cached, f'AOT cache in use: {not cached}'
                runs[cached].append((seconds, self.jvm_start('haia-startup')))
                self.podman('stop', 'haia-startup', timeout=60)
                self.podman('rm', 'haia-startup')
        self.figures['aot'] = [statistics.median(x[i] for x in runs[True]) for i in (0, 1)]
        self.figures['no_aot'] = [statistics.median(x[i] for x in runs[False]) for i in (0, 1)]
        (a, aj), (n, nj) = self.figures['aot'], self.figures['no_aot']
        return (f'median of 3: with the AOT cache {a:.2f} s to /health UP (JVM {aj:.2f} s to listen), without '
                f'{n:.2f} s (JVM {nj:.2f} s)')

    def fake_saw_valid_requests(self):
        violations = self.fake.violations()
        assert not violations, violations
        return f'{self.fake.count()} requests to the fake Anthropic, all valid Messages API requests'

    # -- the end --

    def summary(self):
        f = self.figures
        lines = []
        if 'base_built' in f:
            lines.append(f'base built in {f["base_built"]} s uncached; this run\'s base step {f["base_step"]:.0f} s')
        if 'image' in f:
            lines.append(f'image {mb(f["image"])} (base {mb(f["base"])}), built in {f["build"]:.0f} s')
        if 'aot' in f:
            lines.append(f'start-up to /health UP: {f["aot"][0]:.2f} s with the AOT cache, {f["no_aot"][0]:.2f} s '
                         f'without (median of 3)')
        return lines

    def stop(self):
        """Everything this run started: the fake by its pid, the containers, then Podman's storage (unmounted)."""
        if self.fake_proc and self.fake_proc.poll() is None:
            os.killpg(self.fake_proc.pid, signal.SIGTERM)
            try:
                self.fake_proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.fake_proc.pid, signal.SIGKILL)
                self.fake_proc.wait(10)
        if (self.podman.dir / 'root').exists():
            for name in self.podman('ps', '--all', '--format', '{{.Names}}', check=False).stdout.split():
                self.save_logs(name, f'{name}.log')
            self.podman('rm', '--force', '--all', '--time', '0', check=False, timeout=120)
        # conmon starts `podman container cleanup` when a container ends; let those finish with the storage
        leftover = []
        try:
            wait_for('podman\'s cleanup processes', lambda: not processes_using(self.work), 30, interval=0.1)
        except AssertionError:
            leftover = processes_using(self.work)   # started by this run (conmon, podman): ended by their pids
            for pid in leftover:
                os.kill(pid, signal.SIGKILL)
        release_mounts(self.work)
        shutil.rmtree(self.podman.dir, ignore_errors=True)
        shutil.rmtree(self.work / 'rootfs', ignore_errors=True)
        assert not leftover, f'processes of this run still using {self.work} after 30 s were killed: {leftover}'


def main():
    args = argparse.ArgumentParser()
    args.add_argument('--work', required=True)
    args.add_argument('--cache', required=True)
    args.add_argument('--java', required=True)
    args.add_argument('--mirror', default='http://deb.debian.org/debian')
    args.add_argument('--rebuild-base', action='store_true')
    options = args.parse_args()

    s = Scenario(options)
    run = Run()
    # SIGTERM/SIGINT end the run through the finally below, which stops everything this run started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    setup = [
        (f'base: Debian {SUITE} minbase + {JRE} (debootstrap)', s.build_base),
        ('import the base into this run\'s Podman storage', s.import_base),
        ('build the image: Containerfile on the base, target/ as "app"', s.build_image),
        ('Quadlet generates deploy/\'s units; haia.service keeps promises', s.quadlet),
        ('start the fake Anthropic on 127.0.0.1 (test classpath)', s.start_fake),
        ('create the unit\'s podman secrets', s.secrets),
        ('start HAIA with haia.service\'s command: healthy', s.first_start),
    ]
    checks = [
        ('runs as a non-root user', s.non_root),
        ('read-only root file system', s.read_only),
        ('no secret in podman inspect', s.no_secret_shown),
        ('the AOT cache is used', s.aot),
        ('a chat answered and stored', s.chat_stored),
        ('podman stop during a streamed reply lets it finish', s.stop_during_stream),
        ('remove and recreate on the same volume: memory kept', s.recreate),
        ('start-up with and without the AOT cache', s.startup_figures),
        ('the fake Anthropic saw only valid requests', s.fake_saw_valid_requests),
    ]
    try:
        if all(run.step(title, fn) for title, fn in setup):
            for title, fn in checks:
                run.step(title, fn)
    except BaseException:
        run.interrupted()
        raise
    finally:
        try:
            s.stop()
        except Exception as e:  # noqa: BLE001 - reported; the run fails
            print(f'[FAIL] cleaning up: {e}', flush=True)
            run.failed += 1
        for line in s.summary():
            print(f'figures: {line}', flush=True)
        if run.ok():
            shutil.rmtree(options.work, ignore_errors=True)
        else:
            print(f'logs: {options.work}/{{commands,fake-anthropic,haia-1,haia}}.log', flush=True)
    return run.finish('e2e-container')


if __name__ == '__main__':
    sys.exit(main())
