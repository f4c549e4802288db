"""The three processes of the e2e run, on 127.0.0.1 ports of their own: the fake Anthropic, HAIA, OpenWebUI.

HAIA and OpenWebUI get the environment the deployment files give them (deploy/haia.container and
deploy/openwebui.container: their Environment= and Secret= lines), with only what a loopback run must change:
addresses, ports, data directories, where the secret files are, and OpenWebUI's switches that keep it from reaching
the internet.
Every process is started here and stopped here, by its pid.
"""

import secrets
from pathlib import Path

from common import (FAKE_ANTHROPIC_KEY, REPO, Processes, clean_env, fake_anthropic_command, free_port,
                    read_fake_ports)
from relay import Relay

DEPLOY = REPO / 'deploy'

# OpenWebUI settings the e2e run adds to the deployment's: nothing may leave the machine or download a model.
OPENWEBUI_OFFLINE = {
    'OFFLINE_MODE': 'true',  # no version check, no model auto-update; sets HF_HUB_OFFLINE
    'HF_HUB_OFFLINE': '1',
    'TRANSFORMERS_OFFLINE': '1',
    'RAG_EMBEDDING_MODEL': '',  # no local embedding model at all
    # so attached documents go to the model whole, in OpenWebUI's RAG template (its "full context" mode), as they do
    # with retrieval, chunk by chunk
    'BYPASS_EMBEDDING_AND_RETRIEVAL': 'true',
    'WHISPER_MODEL': '',
    'ENABLE_VERSION_UPDATE_CHECK': 'false',
    'ANONYMIZED_TELEMETRY': 'false',
    'DO_NOT_TRACK': 'true',
    'SCARF_NO_ANALYTICS': 'true',
    'ENABLE_OTEL': 'false',
}


def unit(path):
    """A systemd unit file as {section: [(key, value), ...]} (keys repeat; continuation lines joined)."""
    sections, current, pending = {}, None, ''
    for raw in path.read_text().splitlines():
        line = (pending + ' ' + raw.strip()).strip() if pending else raw.strip()
        pending = ''
        if line.endswith('\\'):
            pending = line[:-1].strip()
            continue
        if not line or line[0] in '#;':
            continue
        if line.startswith('['):
            current = sections.setdefault(line.strip('[]'), [])
            continue
        key, _, value = line.partition('=')
        current.append((key.strip(), value.strip()))
    return sections


def deployed_env(unit_file, secret_values, secrets_dir):
    """The environment a Quadlet unit gives its container: Environment= lines plus Secret= lines. An env-type secret
    is the variable itself; a file secret (type=mount) is written into secrets_dir, and the variable that names its
    path in the container (HAIA's *_FILE) names that file instead."""
    env, files = {}, {}
    for key, value in unit(unit_file).get('Container', []):
        if key == 'Environment':
            name, _, val = value.partition('=')
            env[name] = val
        elif key == 'Secret':
            name, *options = value.split(',')
            opts = dict(o.split('=', 1) for o in options)
            if opts.get('type') == 'env':
                env[opts['target']] = secret_values[name]
            else:
                assert opts.get('type') == 'mount', f'{unit_file.name}: {value}: an env or a mount secret'
                target = opts.get('target', name)
                path = Path(target if target.startswith('/') else f'/run/secrets/{target}')
                local = Path(secrets_dir) / name
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_text(secret_values[name])
                local.chmod(0o400)
                files[str(path)] = str(local)
    unnamed = sorted(set(files) - set(env.values()))
    assert not unnamed, f'{unit_file.name}: no variable names the secret file(s) {unnamed}'
    return {name: files.get(val, val) for name, val in env.items()}


def container_value(unit_file, key):
    return next(v for k, v in unit(unit_file)['Container'] if k == key)


class Stack(Processes):
    """Starts the fake Anthropic, HAIA and OpenWebUI; stop() ends each by pid (SIGTERM, then SIGKILL)."""

    def __init__(self, work, venv, java):
        super().__init__(work)
        self.venv = Path(venv)
        self.java = java
        self.haia_key = 'haia-e2e-' + secrets.token_hex(16)
        self.secret_values = {'anthropic-api-key': FAKE_ANTHROPIC_KEY, 'haia-api-key': self.haia_key}
        # memory per OpenWebUI user (docs/security.md "Memory per OpenWebUI user"): the same secret on both sides,
        # so OpenWebUI signs each request's user and HAIA verifies it
        self.user_jwt_secret = secrets.token_hex(32)

    # ---- the fake Anthropic ----

    def start_fake(self):
        ports = self.work / 'fake.ports'
        proc = self._start('fake-anthropic', fake_anthropic_command(self.java, ports), clean_env(), self.work)
        self._await('fake-anthropic', proc, ports.exists, 60)
        values = read_fake_ports(ports)
        self.fake_url, self.fake_control = values['url'], values['control']
        self.pve = {k: values[k] for k in ('pve_url', 'pve_fingerprint', 'pve_token')}

    # ---- HAIA ----

    def haia_env(self):
        env = deployed_env(DEPLOY / 'haia.container', self.secret_values, self.work / 'secrets')
        self.haia_port = free_port()
        env.update({
            'SERVER_HOST': '127.0.0.1',  # the image sets 0.0.0.0 and 8000; here: loopback, a free port
            'SERVER_PORT': str(self.haia_port),
            'HAIA_DB_PATH': str(self.work / 'haia-data/haia.db'),  # the image's /data volume
            'HAIA_CONFIG': str(REPO / 'config/application.yaml'),  # the image's /app/config
            'ANTHROPIC_BASE_URL': self.fake_url,
            # HAIA's Proxmox tools, against the fake Proxmox next to the fake Anthropic (pinned, as in production)
            'HAIA_PROXMOX_URL': self.pve['pve_url'],
            'HAIA_PROXMOX_TOKEN': self.pve['pve_token'],
            'HAIA_PROXMOX_FINGERPRINT': self.pve['pve_fingerprint'],
            'HAIA_OPENWEBUI_JWT_SECRET': self.user_jwt_secret,
        })
        return env

    def start_haia(self):
        env = self.haia_env()
        self.haia_url = f'http://127.0.0.1:{self.haia_port}'
        proc = self._start('haia', [str(REPO / 'bin/start')], clean_env(**env), self.work)
        self._await_healthy('haia', proc, self.haia_url, 90)
        return env

    # ---- OpenWebUI ----

    def openwebui_env(self):
        env = deployed_env(DEPLOY / 'openwebui.container', self.secret_values, self.work / 'secrets')
        # the unit names HAIA by its container name and port on the shared network; here it is on loopback
        haia_host = container_value(DEPLOY / 'haia.container', 'ContainerName')
        deployed_url = env['OPENAI_API_BASE_URL']
        expected = f'http://{haia_host}:8000/v1'
        assert deployed_url == expected, f'openwebui.container points at {deployed_url}, not {expected}'
        # through a recording relay: the run sees (and --record saves) exactly what OpenWebUI sends HAIA
        self.relay = Relay(self.haia_port)
        env['OPENAI_API_BASE_URL'] = f'http://127.0.0.1:{self.relay.port}/v1'
        self.owui_port = free_port()
        env.update(OPENWEBUI_OFFLINE)
        env.update({
            'DATA_DIR': str(self.work / 'openwebui-data'),  # the unit's /app/backend/data volume
            'WEBUI_SECRET_KEY': secrets.token_hex(24),
            'PORT': str(self.owui_port),
            'FORWARD_USER_INFO_HEADER_JWT_SECRET': self.user_jwt_secret,
            # a second user reaches the model without an admin making it public first
            'BYPASS_MODEL_ACCESS_CONTROL': 'true',
        })
        return env

    def start_openwebui(self):
        env = self.openwebui_env()
        (self.work / 'openwebui-data').mkdir(exist_ok=True)
        self.owui_url = f'http://127.0.0.1:{self.owui_port}'
        python = str(self.venv / 'bin/python')
        cmd = [python, '-c', 'import sys; from open_webui import app; sys.argv[0] = "open-webui"; app()',
               'serve', '--host', '127.0.0.1', '--port', str(self.owui_port)]
        proc = self._start('openwebui', cmd, clean_env(**env), self.work / 'openwebui-data')
        self._await_healthy('openwebui', proc, self.owui_url, 240)
        return env

    # ---- stop ----

    def stop(self):
        super().stop()
        if hasattr(self, 'relay'):
            self.relay.close()
