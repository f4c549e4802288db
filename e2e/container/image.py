"""bin/e2e-container's tools: commands logged to a file, Podman in a storage of the run's own, the base image made
from Debian packages (built once, cached), and releasing what Podman and debootstrap leave mounted."""

import json
import os
import shlex
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

SUITE = 'trixie'                    # Debian 13: OpenJDK 25, and a podman with Quadlet (4.4+)
JRE = 'openjdk-25-jre-headless'
# this machine: crun refuses its hybrid cgroup layout, and runc needs explicit limits (podman-for-tests.md)
PODMAN = ['podman', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file']
LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024']


class CommandFailed(Exception):
    pass


class Shell:
    """Runs commands, logging each with its output to one file; failures raise with the output's end."""

    def __init__(self, log):
        self.log = log

    def __call__(self, cmd, check=True, timeout=300, stdin=None):
        cmd = [str(c) for c in cmd]
        with open(self.log, 'a') as log:
            log.write(f'\n$ {shlex.join(cmd)}\n')
            log.flush()
            done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
            log.write(done.stdout + done.stderr + f'[exit {done.returncode}]\n')
        if check and done.returncode != 0:
            raise CommandFailed(f'{shlex.join(cmd)[:300]} exited with {done.returncode}:\n'
                                f'{(done.stderr or done.stdout)[-3000:]}')
        return done


class Podman:
    """podman with a storage, run and temporary directory of this run's own: nothing outside the work directory is
    touched, and removing it removes every image, container, volume and secret of the run."""

    def __init__(self, sh, directory):
        self.sh, self.dir = sh, Path(directory)
        self.cmd = [PODMAN[0], '--root', self.dir / 'root', '--runroot', self.dir / 'runroot',
                    '--tmpdir', self.dir / 'tmp', *PODMAN[1:]]

    def __call__(self, *args, check=True, timeout=300, stdin=None):
        return self.sh([*self.cmd, *args], check=check, timeout=timeout, stdin=stdin)

    def out(self, *args, **kw):
        return self(*args, **kw).stdout.strip()

    def size(self, image):
        return int(self.out('image', 'inspect', '--format', '{{.Size}}', image))


class Base:
    """Debian 13's minbase with openjdk-25-jre-headless as a root file system tar, and Quadlet's generator from the
    same release's podman package, cached in CACHE/container-base/<key>/. Built when missing (debootstrap from
    Debian's mirror, about half a minute to a minute) or when asked to (--rebuild-base)."""

    def __init__(self, sh, cache, work, mirror):
        self.sh, self.work, self.mirror = sh, Path(work), mirror
        self.dir = Path(cache) / 'container-base' / f'{SUITE}-minbase-{JRE}'
        self.tar, self.quadlet, self.info_file = self.dir / 'rootfs.tar', self.dir / 'quadlet', self.dir / 'info.json'

    def info(self):
        return json.loads(self.info_file.read_text())

    def ensure(self, rebuild):
        if not rebuild and self.info_file.exists():
            i = self.info()
            return (f'cached in {self.dir} (built {i["built"]} in {i["seconds"]} s): Java {i["java"]}, '
                    f'Quadlet of podman {i["podman"]}')
        t0 = time.monotonic()
        rootfs = self.work / 'rootfs'
        self.sh(['debootstrap', '--variant=minbase', f'--include={JRE}', SUITE, rootfs, self.mirror], timeout=1800)
        # Quadlet's generator: the podman package of the same release, unpacked, not installed
        self.sh(['chroot', rootfs, 'sh', '-c', 'cd /tmp && apt-get download -qq podman'], timeout=600)
        deb = next(rootfs.glob('tmp/podman_*.deb'))
        unpacked = self.work / 'podman-deb'
        self.sh(['dpkg-deb', '-x', deb, unpacked])
        partial = self.dir.with_name(self.dir.name + '.partial')
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        shutil.copy2(unpacked / 'usr/libexec/podman/quadlet', partial / 'quadlet')
        shutil.rmtree(unpacked)
        release = next(rootfs.glob('usr/lib/jvm/*/release')).read_text()
        java = next(line.split('=', 1)[1].strip('"') for line in release.splitlines()
                    if line.startswith('JAVA_RUNTIME_VERSION='))
        # an image holds no package caches or indexes, manuals or translations, nor the build host's resolver
        for pattern in ('tmp/*', 'var/cache/apt/archives/*.deb', 'var/cache/apt/*.bin', 'var/lib/apt/lists/*',
                        'usr/share/man/*', 'usr/share/info/*', 'usr/share/locale/*'):
            for path in rootfs.glob(pattern):
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        (rootfs / 'etc/resolv.conf').unlink(missing_ok=True)
        (rootfs / 'etc/resolv.conf').write_text('')
        self.sh(['tar', '--numeric-owner', '-C', rootfs, '-cf', partial / 'rootfs.tar',
                 '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '.'], timeout=600)
        shutil.rmtree(rootfs)
        seconds = round(time.monotonic() - t0)
        (partial / 'info.json').write_text(json.dumps({
            'suite': SUITE, 'java': java, 'podman': deb.name.split('_')[1], 'seconds': seconds,
            'built': datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'), 'mirror': self.mirror}))
        shutil.rmtree(self.dir, ignore_errors=True)
        partial.rename(self.dir)
        i = self.info()
        return f'built in {seconds} s into {self.dir}: Java {i["java"]}, Quadlet of podman {i["podman"]}'


def processes_using(path):
    """Pids of processes whose command line names something under path (conmon, podman cleanup, slirp4netns)."""
    mine, found = str(os.getpid()), []
    for proc in Path('/proc').iterdir():
        if proc.name.isdigit() and proc.name != mine:
            try:
                if str(path).encode() in (proc / 'cmdline').read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def release_mounts(path):
    """Podman (overlay, its shm) and debootstrap (proc, sys) leave mounts below the work directory: release them."""
    for _ in range(20):
        with open('/proc/mounts') as m:
            mounts = sorted({line.split()[1] for line in m if line.split()[1].startswith(f'{path}/')}, reverse=True)
        if not mounts:
            return
        for mount in mounts:
            if subprocess.run(['umount', mount], capture_output=True).returncode != 0:
                subprocess.run(['umount', '-l', mount], capture_output=True)
        time.sleep(0.1)


def mb(size):
    return f'{size / 1e6:.0f} MB'
