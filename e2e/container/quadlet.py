"""What Quadlet makes of deploy/haia.container: the generated services, the promises the generated `podman run` must
keep, and that command changed for this machine and a loopback run."""

import shlex

from image import LIMITS

IMAGE = 'localhost/haia:latest'     # deploy/haia.container's Image=
UID = '10001'                       # the image's user (Containerfile)
# the container reaches the host's 127.0.0.1 at this address (slirp4netns with allow_host_loopback)
HOST_LOOPBACK = '10.0.2.2'

VALUE_FLAGS = {'--name', '--stop-timeout', '--network', '-v', '--volume', '--env', '-e', '--secret', '--cap-drop',
               '--health-cmd', '--health-interval', '--health-retries', '--health-start-period', '--health-timeout',
               '--publish', '-p', '--label', '--tmpfs', '--user', '--pull', '--security-opt', '--cap-add'}


def parse_run(argv):
    """`podman run` arguments as [(flag, value or None)] and the image (the last argument)."""
    assert argv[1:2] == ['run'], argv[:3]
    options, args = [], iter(argv[2:-1])
    for a in args:
        if '=' in a and a.startswith('--'):
            options.append(tuple(a.split('=', 1)))
        elif a in VALUE_FLAGS:
            options.append((a, next(args)))
        else:
            options.append((a, None))
    return options, argv[-1]


def generated_services(quadlet_output):
    """{'haia.service': text, ...} from `quadlet -dryrun`'s output."""
    services, name = {}, None
    for line in quadlet_output.splitlines():
        if line.startswith('---') and line.endswith('---'):
            name = line.strip('-')
            services[name] = ''
        elif name:
            services[name] += line + '\n'
    return services


def exec_start(service):
    line = next(l for l in service.splitlines() if l.startswith('ExecStart='))
    return shlex.split(line[len('ExecStart='):])


def check_promises(argv):
    """What deploy/haia.container and docs/deployment.md promise, in the command Quadlet generated from it."""
    options, image = parse_run(argv)
    values = lambda flag: [v for f, v in options if f == flag]  # noqa: E731
    env = dict(v.split('=', 1) for v in values('--env'))
    problems = []

    def expect(ok, what):
        if not ok:
            problems.append(what)

    expect(image == IMAGE, f'the image is {IMAGE}, not {image}')
    expect(values('--name') == ['haia'], 'the container is named haia (OpenWebUI reaches it by that name)')
    expect(values('--network') == ['haia'], 'it joins the network haia')
    expect(values('-v') == ['haia-data:/data'], 'the volume haia-data holds /data')
    expect(('--read-only', None) in options, 'ReadOnly=true: --read-only')
    expect(values('--cap-drop') == ['all'], 'DropCapability=all')
    expect(values('--security-opt') == ['no-new-privileges'], 'NoNewPrivileges=true')
    expect(values('--health-cmd') == ['/app/bin/healthcheck'], 'HealthCmd=/app/bin/healthcheck')
    grace = int(env.get('HAIA_SHUTDOWN_GRACE', '30s').rstrip('s'))
    stop = int((values('--stop-timeout') or ['10'])[0])
    expect(stop > grace, f'the stop timeout ({stop} s) is above HAIA_SHUTDOWN_GRACE ({grace} s)')
    files = {}
    for secret in values('--secret'):
        name, *opts = secret.split(',')
        opts = dict(o.split('=', 1) for o in opts)
        expect(opts.get('type') == 'mount', f'{name} is a file (type=mount), not an environment variable')
        expect(opts.get('uid') == UID and opts.get('mode') == '0400', f'{name} is readable by uid {UID} alone')
        files[opts.get('target', '')] = name
    for key in ('ANTHROPIC_API_KEY', 'HAIA_API_KEY'):
        expect(key not in env, f'{key} is not in the environment')
        expect(env.get(key + '_FILE') in files, f'{key}_FILE names a secret file')
    assert not problems, 'haia.service does not keep these promises: ' + '; '.join(problems)
    return grace, stop


def local_run(argv, name, volume, port, fake_port, extra_env=()):
    """The generated `podman run` for this machine and a loopback run. Changed: the network (the unit's haia network
    becomes slirp4netns with the host's loopback reachable, and HAIA's port is published on 127.0.0.1 only), the
    container and volume names where a measurement needs its own, no cgroup delegation or sd_notify (no systemd
    here), no --rm (the exit code is checked after a stop), this machine's ulimits, and the fake's address. Every
    other argument is Quadlet's."""
    options, image = parse_run(argv)
    out = []
    for flag, value in options:
        if flag in ('--cidfile', '--cgroups', '--sdnotify', '--rm'):
            continue
        if flag == '--network':
            value = 'slirp4netns:allow_host_loopback=true'
            out += ['--publish', f'127.0.0.1:{port}:8000']
        elif flag == '--name':
            value = name
        elif flag == '-v' and value.startswith('haia-data:'):
            value = volume + value[len('haia-data'):]
        out += [flag] if value is None else [flag, value] if flag in VALUE_FLAGS else [f'{flag}={value}']
    env = [f'ANTHROPIC_BASE_URL=http://{HOST_LOOPBACK}:{fake_port}', *extra_env]
    return ['run', *out, *LIMITS, *[x for e in env for x in ('--env', e)], image]
