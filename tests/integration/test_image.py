#!/usr/bin/env python3
"""Integration tests of `shoal image ...`: a real `shoal agent` on loopback and Debian's
docker-registry (Distribution 2.8) started here on a loopback port, with a busybox image built by
umoci and pushed by skopeo (the tools the image library's own registry tests use).
Usage: test_image.py SHOAL_BINARY SCENARIO

Every registry and agent started here is stopped at exit; no assert is on elapsed time."""
import json, os, shutil, signal, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster, free_port, wait_until


def run(*cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} exited {p.returncode}: {p.stdout.strip()}')
    return p.stdout


class Registry:
    """docker-registry serving <dir>/data on 127.0.0.1:<port>, plain HTTP."""

    def __init__(self, base):
        self.dir = os.path.join(base, 'registry')
        os.makedirs(self.dir)
        self.port = free_port()
        self.host = f'127.0.0.1:{self.port}'
        with open(os.path.join(self.dir, 'config.yml'), 'w') as f:
            f.write('version: 0.1\nlog:\n  level: info\n'
                    f'storage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n'
                    f'http:\n  addr: {self.host}\n')
        self.proc = None
        self.start()

    def start(self):
        log = open(os.path.join(self.dir, 'log'), 'a')
        self.proc = subprocess.Popen(['docker-registry', 'serve', os.path.join(self.dir, 'config.yml')],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.listening() or self.proc.poll() is not None, 30, 'docker-registry listening')
        if self.proc.poll() is not None:
            raise RuntimeError('docker-registry exited: ' + open(os.path.join(self.dir, 'log')).read()[-2000:])

    def log(self):
        return open(os.path.join(self.dir, 'log')).read()

    def listening(self):
        with socket.socket() as s:
            return s.connect_ex(('127.0.0.1', self.port)) == 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def build_busybox(base, tag='1'):
    """An OCI layout <base>/oci with busybox-static at /bin/busybox under `tag`."""
    layout = os.path.join(base, 'oci')
    run('umoci', 'init', '--layout', layout)
    img = f'{layout}:{tag}'
    run('umoci', 'new', '--image', img)
    # unpack + copy + repack, not `umoci insert`: umoci 0.4.7's insert writes a layer tar that
    # ends right after the file's data (no padding, no end-of-archive blocks), which GNU tar and
    # libarchive both call truncated.
    bundle = os.path.join(base, 'bundle-' + tag)
    run('umoci', 'unpack', '--image', img, bundle)
    os.makedirs(os.path.join(bundle, 'rootfs', 'bin'), exist_ok=True)
    shutil.copy2('/bin/busybox', os.path.join(bundle, 'rootfs', 'bin', 'busybox'))
    run('umoci', 'repack', '--image', img, bundle)
    run('umoci', 'config', '--image', img, '--os', 'linux', '--config.cmd', '/bin/busybox',
        '--config.cmd', 'sh', '--config.workingdir', '/tmp')
    return img


def push(img, registry, name):
    run('skopeo', 'copy', '-q', '--dest-tls-verify=false', f'oci:{img}', f'docker://{registry.host}/{name}')
    return run('skopeo', 'inspect', '--tls-verify=false', '--format', '{{.Digest}}',
               f'docker://{registry.host}/{name}').strip()


def image_ls(c, name):
    return json.loads(c.run_cli('image', 'ls', '--format', 'json', api=c.agents[name]['api']))


def scenario_pull_ls_inspect_rm(c):
    reg = Registry(c.dir)
    try:
        img = build_busybox(c.dir)
        digest = push(img, reg, 'busybox:1')
        c.start('n1', extra=['--registry-mirror', reg.host, '--insecure-registry', reg.host])
        api = c.agents['n1']['api']
        assert image_ls(c, 'n1') == [], 'a fresh agent holds no image'
        out = c.run_cli('image', 'pull', 'busybox:1', api=api)  # by tag, through --registry-mirror
        assert digest in out, out
        rows = image_ls(c, 'n1')
        assert len(rows) == 1, rows
        row = rows[0]
        assert row['repository'] == f'{reg.host}/busybox' and row['tag'] == '1', row
        assert row['digest'] == digest, f'ls digest {row["digest"]} != skopeo inspect {digest}'
        assert row['size'] > 500_000, row  # busybox-static, compressed
        assert row['services'] == [], row  # no service spec names an image yet
        table = c.run_cli('image', 'ls', api=api)
        assert 'REPOSITORY' in table and 'SERVICES' in table and digest in table, table
        info = json.loads(c.run_cli('image', 'inspect', 'busybox:1', api=api))
        assert info['digest'] == digest, info
        assert info['config']['cmd'] == ['/bin/busybox', 'sh'], info
        assert info['config']['working_dir'] == '/tmp', info
        assert len(info['layers']) == 1 and info['size'] == row['size'], info
        # The layer is unpacked once, keyed by its diff_id.
        layer = os.path.join(c.dir, 'n1', 'images', 'layers', info['layers'][0]['diff_id'].split(':')[1])
        assert os.path.exists(os.path.join(layer, 'done')), os.listdir(os.path.dirname(layer))
        assert os.path.isfile(os.path.join(layer, 'fs', 'bin', 'busybox'))
        # A second pull of the same reference is answered from what is held.
        assert digest in c.run_cli('image', 'pull', f'{reg.host}/busybox:1', api=api)
        # Two pulls of one reference at once share one fetch; both answer with the digest.
        procs = [subprocess.Popen([c.shoal, '--api', api, 'image', 'pull', 'busybox:1'],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, _ = p.communicate(timeout=60)
            assert p.returncode == 0 and digest in out, out
        # Two references to one image (so sharing every blob) pulled at once: each blob is
        # fetched once on this node, and both names end up listed.
        assert push(img, reg, 'busybox:2') == digest
        c.run_cli('image', 'rm', 'busybox:1', api=api)
        procs = [subprocess.Popen([c.shoal, '--api', api, 'image', 'pull', f'busybox:{t}'],
                                  stdout=subprocess.PIPE, text=True) for t in ('1', '2')]
        for p in procs:
            out, _ = p.communicate(timeout=60)
            assert p.returncode == 0 and digest in out, out
        assert sorted(r['tag'] for r in image_ls(c, 'n1')) == ['1', '2']
        layer_gets = reg.log().count(f'"GET /v2/busybox/blobs/{info["layers"][0]["digest"]} ')
        assert layer_gets == 2, f'layer fetched {layer_gets} times, want 2 (once per pull after an rm)'
        out = c.run_cli('image', 'rm', 'busybox:2', api=api)
        assert out == f'untagged: {reg.host}/busybox:2\n', out  # busybox:1 still names it
        out = c.run_cli('image', 'rm', 'busybox:1', api=api)
        assert 'deleted: ' + digest in out, out
        assert image_ls(c, 'n1') == []
        blobs = os.listdir(os.path.join(c.dir, 'n1', 'images', 'blobs', 'sha256'))
        assert blobs == [], f'blobs left after rm: {blobs}'
        assert not os.path.exists(layer), 'unpacked layer left after rm'
        p = c.run_cli('image', 'inspect', 'busybox:1', api=api, check=False)
        assert p.returncode != 0 and 'image pull' in p.stderr, p.stderr
        # A restart keeps the catalog: pull, restart, still listed.
        c.run_cli('image', 'pull', 'busybox:1', api=api)
        c.kill('n1', signal.SIGTERM)
        c.agents['n1']['proc'].wait(30)
        c.restart('n1')
        assert [r['digest'] for r in image_ls(c, 'n1')] == [digest]
        out = c.run_cli('image', 'prune', api=api)
        assert 'deleted: ' + digest in out, out
        assert image_ls(c, 'n1') == []
    finally:
        reg.stop()


def scenario_load_offline(c):
    img = build_busybox(c.dir, 'v2')
    archive = os.path.join(c.dir, 'busybox.tar')
    run('skopeo', 'copy', '-q', f'oci:{img}', f'docker-archive:{archive}:busybox:v2')
    # No registry anywhere: the mirror names a loopback port nothing listens on.
    c.start('n1', extra=['--registry-mirror', f'127.0.0.1:{free_port()}'])
    api = c.agents['n1']['api']
    rel = os.path.relpath(archive)  # the CLI makes it absolute for the agent
    out = c.run_cli('image', 'load', rel, api=api)
    rows = image_ls(c, 'n1')
    assert len(rows) == 1 and rows[0]['tag'] == 'v2' and rows[0]['repository'].endswith('/busybox'), rows
    assert rows[0]['digest'] in out, out
    # skopeo writes RepoTags normalised ("docker.io/library/busybox:v2"): ask by the listed name.
    name = rows[0]['repository'] + ':v2'
    info = json.loads(c.run_cli('image', 'inspect', name, api=api))
    assert info['config']['cmd'] == ['/bin/busybox', 'sh'], info
    layer = os.path.join(c.dir, 'n1', 'images', 'layers', info['layers'][0]['diff_id'].split(':')[1])
    assert os.path.isfile(os.path.join(layer, 'fs', 'bin', 'busybox'))
    p = c.run_cli('image', 'load', os.path.join(c.dir, 'missing.tar'), api=api, check=False)
    assert p.returncode != 0 and 'missing.tar' in p.stderr, p.stderr


def scenario_stopped_registry(c):
    reg = Registry(c.dir)
    img = build_busybox(c.dir)
    push(img, reg, 'busybox:1')
    reg.stop()
    c.start('n1', extra=['--registry-mirror', reg.host, '--insecure-registry', reg.host])
    api = c.agents['n1']['api']
    # A registry that accepts connections and never answers holds a pull on its worker for as
    # long as the listener is open: the agent must keep answering meanwhile.
    hung = socket.socket()
    hung.bind(('127.0.0.1', 0))
    hung.listen(16)
    hung_host = '127.0.0.1:%d' % hung.getsockname()[1]
    held = subprocess.Popen([c.shoal, '--api', api, 'image', 'pull', f'{hung_host}/busybox:1'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: held.poll() is not None or len(os.listdir(f'/proc/{held.pid}/fd')) >= 4, 30,
               'the CLI connected')
    time.sleep(0.5)  # the request reaches the agent, whose worker connects to the hung registry
    assert c.ping('n1') and image_ls(c, 'n1') == []
    assert held.poll() is None, 'the held pull ended while its registry was still silent'
    hung.close()  # the queued connections are reset: the pull fails now
    _, err = held.communicate(timeout=120)
    assert held.returncode != 0 and hung_host in err, err
    pull = subprocess.Popen([c.shoal, '--api', api, 'image', 'pull', 'busybox:1'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert c.ping('n1')
    _, err = pull.communicate(timeout=120)
    assert pull.returncode != 0, 'pull from a stopped registry succeeded'
    assert reg.host in err, f'error does not name the registry: {err}'
    assert c.ping('n1') and image_ls(c, 'n1') == []
    p = c.run_cli('image', 'pull', 'busybox:1', api=api, check=False)
    assert p.returncode != 0 and reg.host in p.stderr, p.stderr
    # No default registry configured: a bare name is refused with a hint.
    c.start('n2')
    p = c.run_cli('image', 'pull', 'busybox:1', api=c.agents['n2']['api'], check=False)
    assert p.returncode != 0 and '--registry-mirror' in p.stderr, p.stderr


def stop_gracefully(c):
    """SIGTERM: each agent stops its tasks and unmounts their rootfs before it exits; then any
    mount left under the test's dir (an agent that failed) is detached, so nothing outlives
    the test."""
    for name in c.alive_names():
        c.kill(name, signal.SIGTERM)
    for name, a in c.agents.items():
        try:
            a['proc'].wait(60)
        except subprocess.TimeoutExpired:
            a['proc'].kill()
    left = [line.split()[1] for line in open('/proc/self/mounts') if line.split()[1].startswith(c.dir)]
    for mnt in sorted(left, reverse=True):
        subprocess.run(['umount', '-l', mnt])
    return left


def build_tagged(base, layout_img, tag, version):
    """Another tag of the busybox layout whose config sets VERSION (so a new digest)."""
    layout = layout_img.rsplit(':', 1)[0]
    run('umoci', 'config', '--image', layout_img, '--tag', tag, '--config.env', f'VERSION={version}')
    return f'{layout}:{tag}'


def service_rows(c, api, name):
    return json.loads(c.run_cli('service', 'ps', name, '--format', 'json', api=api))


def running(c, api, name):
    return [r for r in service_rows(c, api, name) if r['state'] in ('running', 'healthy')]


def logs(c, api, name):
    return c.run_cli('service', 'logs', name, api=api)


def scenario_service_from_image(c):
    """The seed's demo from an image: 3 nodes run a service from a registry image pinned to its
    digest, scale and roll it to a new tag, keep scaling with the registry down; the image's
    config (Cmd, Env, WorkingDir) and --user/--entrypoint overrides reach the task."""
    reg = Registry(c.dir)
    try:
        img = build_busybox(c.dir)
        run('umoci', 'config', '--image', img, '--config.env', 'VERSION=1')
        d1 = push(img, reg, 'busybox:1')
        d2 = push(build_tagged(c.dir, img, '2', '2'), reg, 'busybox:2')
        assert d1 != d2
        flags = ['--registry-mirror', reg.host, '--insecure-registry', reg.host]
        c.start('n1', extra=flags)
        c.start('n2', join=['n1'], extra=flags)
        c.start('n3', join=['n1'], extra=flags)
        api = c.agents['n1']['api']
        wait_until(lambda: len([s for s in c.status_map('n1').values() if s == 'alive']) == 3, 60, '3 members')
        cmd = 'echo started slot=$SHOAL_TASK_SLOT version=$VERSION cwd=$(pwd); exec /bin/busybox sleep 1000'
        c.run_cli('service', 'create', '--name', 'web', '--replicas', '3', 'busybox:1',
                  '/bin/busybox', 'sh', '-c', cmd, api=api)
        spec = json.loads(c.run_cli('service', 'inspect', 'web', api=api))[0]['spec']['task']
        assert spec['image'] == f'{reg.host}/busybox:1@{d1}', f'not pinned to the digest: {spec}'
        wait_until(lambda: len(running(c, api, 'web')) == 3, 90, '3 web tasks running')
        nodes = {r['node'] for r in running(c, api, 'web')}
        assert nodes == {'n1', 'n2', 'n3'}, nodes
        wait_until(lambda: logs(c, api, 'web').count('version=1 cwd=/tmp') == 3, 60, 'each task logged')
        for n in ('n1', 'n2', 'n3'):
            rows = image_ls(c, n)
            assert [r['services'] for r in rows] == [['web']], f'{n}: {rows}'
        p = c.run_cli('image', 'rm', 'busybox:1', api=api, check=False)
        assert p.returncode != 0 and 'web' in p.stderr, 'an image in use was removed: ' + p.stderr
        # User and entrypoint overrides, resolved in the image's own files.
        c.run_cli('service', 'create', '--name', 'who', '--user', '4242:4243', '--workdir', '/',
                  '--entrypoint', '/bin/busybox sh -c', 'busybox:1',
                  'echo ids=$(busybox id -u):$(busybox id -g) cwd=$(pwd); exec busybox sleep 1000', api=api)
        wait_until(lambda: 'ids=4242:4243 cwd=/' in logs(c, api, 'who'), 90, 'who logged its ids')
        # A rolling update to a new tag: every task ends on the new digest.
        c.run_cli('service', 'update', '--image', 'busybox:2', 'web', api=api)
        spec = json.loads(c.run_cli('service', 'inspect', 'web', api=api))[0]['spec']['task']
        assert spec['image'] == f'{reg.host}/busybox:2@{d2}', spec
        wait_until(lambda: logs(c, api, 'web').count('version=2') >= 3, 120, 'the update reached every task')
        # The registry goes away: scaling and new services of held tags still work.
        reg.stop()
        c.run_cli('service', 'scale', 'web=5', api=api)
        wait_until(lambda: len(running(c, api, 'web')) == 5, 90, '5 web tasks with the registry down')
        c.run_cli('service', 'create', '--name', 'again', '--detach', 'busybox:2', '/bin/busybox', 'sleep', '1000', api=api)
        spec = json.loads(c.run_cli('service', 'inspect', 'again', api=api))[0]['spec']['task']
        assert spec['image'] == f'{reg.host}/busybox:2@{d2}', f'held tag not pinned offline: {spec}'
        p = c.run_cli('service', 'create', '--name', 'nope', 'busybox:3', api=api, check=False)
        assert p.returncode != 0 and reg.host in p.stderr and '--no-resolve-image' in p.stderr, p.stderr
        # --no-resolve-image stores the tag; no node holds it, so the task waits, saying why.
        c.run_cli('service', 'create', '--name', 'later', '--detach', '--no-resolve-image', 'busybox:3', api=api)
        spec = json.loads(c.run_cli('service', 'inspect', 'later', api=api))[0]['spec']['task']
        assert spec['image'] == f'{reg.host}/busybox:3', spec
        wait_until(lambda: any(r['state'] == 'preparing' and reg.host in r['error']
                               for r in service_rows(c, api, 'later')), 60, 'later preparing, naming the registry')
    finally:
        reg.stop()
        left = stop_gracefully(c)
        assert not left, f'rootfs mounts left after the agents stopped: {left}'


def main():
    shoal, scenario = sys.argv[1], sys.argv[2]
    c = Cluster(shoal)
    for tool in ('docker-registry', 'skopeo', 'umoci'):
        if shutil.which(tool) is None:
            print(f'FAILED {scenario}: {tool} is not installed (scripts/deps.sh)')
            sys.exit(1)
    status = 0
    try:
        globals()['scenario_' + scenario](c)
        print(f'ok {scenario}')
    except Exception as e:
        print(f'FAILED {scenario}: {type(e).__name__}: {e}', flush=True)
        for n, a in c.agents.items():
            print(f'--- log of {n} ---'); print(open(a['log']).read()[-3000:])
        status = 1
    finally:
        c.stop()
    sys.exit(status)


if __name__ == '__main__':
    main()
