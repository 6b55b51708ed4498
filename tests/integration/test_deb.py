#!/usr/bin/env python3
"""`make deb`: the package builds from the build dir, names dependencies this Debian has,
installs into a scratch root (dpkg --root, maintainer scripts chrootless), makes a key and a
config there, starts the agent it installed, and purges clean.
Usage: test_deb.py SHOAL SCENARIO"""
import os, subprocess, sys

from cluster import free_port, run_scenarios_main, wait_until

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

def dpkg(root, *args):
    return subprocess.run(['dpkg', f'--root={root}', '--force-script-chrootless', '--log=/dev/null', *args],
                          capture_output=True, text=True, timeout=120)

def scenario_install_start_purge(c):
    build = os.path.dirname(os.path.dirname(c.shoal))
    out = subprocess.run([os.path.join(SRC, 'scripts', 'make-deb.sh'), build, os.path.join(c.dir, 'out')],
                         capture_output=True, text=True, check=True, timeout=300).stdout.strip()
    version = c.run_cli('--version').split()[1]
    assert out.endswith(f'/shoal_{version}_' + subprocess.check_output(['dpkg', '--print-architecture'], text=True).strip() + '.deb'), out
    fields = dict(line.split(': ', 1) for line in subprocess.check_output(['dpkg-deb', '-f', out], text=True).splitlines()
                  if ': ' in line and not line.startswith(' '))
    assert fields['Package'] == 'shoal' and fields['Version'] == version, fields
    # Every dependency is a package this Debian has installed (the build linked against it).
    for dep in fields['Depends'].split(', '):
        name = dep.split()[0]
        status = subprocess.run(['dpkg-query', '-W', '-f=${Status}', name], capture_output=True, text=True).stdout
        assert status == 'install ok installed', (name, status)
    files = subprocess.check_output(['dpkg-deb', '-c', out], text=True)
    for path in ('./usr/bin/shoal', './lib/systemd/system/shoal.service', './usr/share/man/man1/shoal.1.gz',
                 './usr/share/bash-completion/completions/shoal', './usr/share/doc/shoal/examples/agent.yaml'):
        assert path in files, (path, files)
    assert files.splitlines()[0].startswith('drwxr-xr-x root/root'), files.splitlines()[0]

    root = os.path.join(c.dir, 'root')
    for d in ('var/lib/dpkg/info', 'var/lib/dpkg/updates'):
        os.makedirs(os.path.join(root, d))
    open(os.path.join(root, 'var/lib/dpkg/status'), 'w').close()
    # --force-depends: the scratch root's dpkg database is empty; the host has them (above).
    r = dpkg(root, '--force-depends', '-i', out)
    assert r.returncode == 0 and 'made a new cluster key' in r.stdout, r
    etc = os.path.join(root, 'etc/shoal')
    assert os.stat(os.path.join(etc, 'cluster.key')).st_mode & 0o777 == 0o600
    assert os.stat(etc).st_mode & 0o777 == 0o700
    shoal = os.path.join(root, 'usr/bin/shoal')
    config = os.path.join(etc, 'agent.yaml')
    key = ['--key-file', os.path.join(etc, 'cluster.key')]  # the config names /etc/shoal/..., not the scratch root
    p = subprocess.run([shoal, 'agent', '--config', config, *key, '--check-config'], capture_output=True, text=True)
    assert p.returncode == 0 and 'config ok' in p.stdout, p
    man = subprocess.run(f'zcat {root}/usr/share/man/man1/shoal.1.gz | groff -man -Tutf8 -ww -z', shell=True,
                         capture_output=True, text=True)
    assert man.returncode == 0 and man.stderr == '', man
    assert subprocess.run(['bash', '-n', os.path.join(root, 'usr/share/bash-completion/completions/shoal')]).returncode == 0
    # The installed agent starts from the installed config (on loopback, in this test's dirs).
    port, api = free_port(), os.path.join(c.dir, 'n1.sock')
    log = open(os.path.join(c.dir, 'n1.log'), 'a')
    cmd = [shoal, 'agent', '--config', config, *key, '--bind', f'127.0.0.1:{port}', '--api', api,
           '--data-dir', os.path.join(c.dir, 'data')]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    c.agents['n1'] = dict(proc=proc, port=port, api=api, log=log.name, cmd=cmd)
    wait_until(lambda: subprocess.run([shoal, '--api', api, 'members'], capture_output=True).returncode == 0, 30,
               'the installed agent answers')
    c.kill('n1')
    # A second install (upgrade) keeps the key; purge removes the package and /etc/shoal.
    before = open(os.path.join(etc, 'cluster.key')).read()
    assert dpkg(root, '--force-depends', '-i', out).returncode == 0
    assert open(os.path.join(etc, 'cluster.key')).read() == before
    r = dpkg(root, '--purge', 'shoal')
    assert r.returncode == 0, r
    assert not os.path.exists(shoal) and not os.path.exists(etc), os.listdir(root)

if __name__ == '__main__':
    run_scenarios_main(globals(), sys.argv)
