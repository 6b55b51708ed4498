#!/usr/bin/env python3
"""Image figures on loopback, shoal next to its anchors in the same run, from one local registry
(Debian's docker-registry, plain HTTP, started here):
  pull:  pull + unpack of a ~100 MB, 5-layer image (random bytes: gzip cannot shrink them, so
         the transfer is the full size) by `shoal image pull` on a fresh agent data dir, vs the
         anchor pipeline `skopeo copy docker://... oci:DIR` + `umoci unpack`. Runs alternate
         (shoal, anchor, shoal, ...) so both see the same machine; medians and the ratio
         shoal/anchor (target <= 0.8x). A failed or timed-out run is counted, never dropped.
  start: `service create` of a held image until its process runs (the process is seen in
         /proc; p50 over the runs), next to runc's own create+start of the same image's rootfs
         (the floor: no agent, no overlay mount, no cgroup bookkeeping).
Everything it starts is stopped, and its temp dir removed, at exit. Needs root (runc, overlayfs).
Usage: bench_image.py SHOAL_BINARY [RUNS (5)] [IMAGE_MB (100)]"""
import json, os, shutil, signal, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
from cluster import free_port
from test_image import Registry, run

LAYERS = 5
PULL_TIMEOUT_S = 300   # one pull of ~100 MB from loopback takes seconds; 300 s means it hung
START_TIMEOUT_S = 60
POLL_S = 0.002         # /proc scan period while waiting for a task's process


def build_big_image(base, total_mb):
    """An OCI layout <base>/oci:1 of LAYERS layers: busybox-static in the first (so tasks can run
    a command), then total_mb of random bytes spread over the layers. Built once per run of the
    bench; `repack --refresh-bundle` lets one bundle make each next layer hold only its new file."""
    layout, img, bundle = os.path.join(base, 'oci'), os.path.join(base, 'oci') + ':1', os.path.join(base, 'bundle')
    run('umoci', 'init', '--layout', layout)
    run('umoci', 'new', '--image', img)
    run('umoci', 'unpack', '--image', img, bundle)
    os.makedirs(os.path.join(bundle, 'rootfs', 'bin'))
    shutil.copy2(os.path.realpath(shutil.which('busybox')), os.path.join(bundle, 'rootfs', 'bin', 'busybox'))
    per_layer = total_mb * 1024 * 1024 // LAYERS
    for i in range(LAYERS):
        os.makedirs(os.path.join(bundle, 'rootfs', 'data'), exist_ok=True)
        with open(os.path.join(bundle, 'rootfs', 'data', f'layer{i}.bin'), 'wb') as f:
            for _ in range(per_layer // (1 << 20)):
                f.write(os.urandom(1 << 20))
        run('umoci', 'repack', '--refresh-bundle', '--image', img, bundle)
    run('umoci', 'config', '--image', img, '--os', 'linux', '--config.cmd', '/bin/busybox',
        '--config.cmd', 'sleep', '--config.cmd', '1000')
    shutil.rmtree(bundle)
    return img


class Agent:
    """One `shoal agent` on loopback with its own data dir, the registry as its mirror."""

    def __init__(self, shoal, base, name, registry):
        self.shoal, self.dir = shoal, os.path.join(base, name)
        os.makedirs(self.dir)
        self.api = os.path.join(self.dir, 'api.sock')
        key = subprocess.check_output([shoal, 'keygen'], text=True).strip()
        self.log = open(os.path.join(self.dir, 'log'), 'w')
        self.proc = subprocess.Popen(
            [shoal, 'agent', '--name', name, '--bind', f'127.0.0.1:{free_port()}', '--key', key, '--api', self.api,
             '--data-dir', os.path.join(self.dir, 'data'), '--registry-mirror', registry.host,
             '--insecure-registry', registry.host], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while self.cli('image', 'ls', check=False).returncode != 0:
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f'agent {name} did not answer: ' + open(self.log.name).read()[-2000:])
            time.sleep(0.05)

    def cli(self, *args, check=True, timeout=PULL_TIMEOUT_S):
        p = subprocess.run([self.shoal, '--api', self.api, *args], capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError(f'shoal {" ".join(args)} exited {p.returncode}: {p.stderr.strip()}')
        return p

    def stop(self):
        """SIGTERM: the agent stops its tasks and unmounts their rootfs before it exits."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


class Outcomes:
    """Seconds of the runs that succeeded, and how many failed or timed out (never dropped)."""

    def __init__(self):
        self.seconds, self.failed = [], []

    def timed(self, fn):
        t0 = time.perf_counter()
        try:
            fn()
            self.seconds.append(time.perf_counter() - t0)
        except Exception as e:  # a failed or hung run is a figure too
            self.failed.append(f'{type(e).__name__}: {str(e)[:300]}')

    def median(self):
        return statistics.median(self.seconds) if self.seconds else float('nan')

    def line(self, unit=1.0, suffix='s'):
        if not self.seconds:
            return f'no successful run, failed {len(self.failed)}'
        xs = [x * unit for x in self.seconds]
        return (f'median {statistics.median(xs):.3f} {suffix} (min {min(xs):.3f}, max {max(xs):.3f}, '
                f'n={len(xs)}, failed/timed out {len(self.failed)})')


def shoal_pull_once(shoal, base, registry, ref, i):
    agent = Agent(shoal, base, f'pull{i}', registry)
    try:
        out = Outcomes()
        out.timed(lambda: agent.cli('image', 'pull', ref))
        return out
    finally:
        agent.stop()
        shutil.rmtree(agent.dir, ignore_errors=True)


def anchor_pull_once(base, name, i):
    layout, bundle = os.path.join(base, f'anchor{i}'), os.path.join(base, f'anchor{i}-bundle')
    try:
        out = Outcomes()

        def pipeline():
            subprocess.run(['skopeo', 'copy', '-q', '--src-tls-verify=false', f'docker://{name}',
                            f'oci:{layout}:1'], check=True, capture_output=True, timeout=PULL_TIMEOUT_S)
            subprocess.run(['umoci', 'unpack', '--image', f'{layout}:1', bundle], check=True, capture_output=True,
                           timeout=PULL_TIMEOUT_S)
        out.timed(pipeline)
        return out
    finally:
        shutil.rmtree(layout, ignore_errors=True)
        shutil.rmtree(bundle, ignore_errors=True)


def bench_pull(shoal, base, registry, name, runs):
    shoal_out, anchor_out = Outcomes(), Outcomes()
    for i in range(runs):
        for side, out in ((shoal_out, shoal_pull_once(shoal, base, registry, name, i)),
                          (anchor_out, anchor_pull_once(base, name, i))):
            side.seconds += out.seconds
            side.failed += out.failed
    print(f'shoal image pull (fresh data dir):     {shoal_out.line()}')
    print(f'skopeo copy + umoci unpack (anchor):   {anchor_out.line()}')
    ratio = shoal_out.median() / anchor_out.median()
    print(f'ratio shoal/anchor: {ratio:.2f}x (target <= 0.8x)')
    for f in shoal_out.failed + anchor_out.failed:
        print(f'  failed: {f}')


def task_pids(argv):
    """pids whose command line is exactly argv."""
    want = ('\0'.join(argv) + '\0').encode()
    found = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/cmdline', 'rb') as f:
                    if f.read() == want:
                        found.append(int(d))
            except OSError:
                pass
    return found


def wait_for_process(argv, timeout_s):
    deadline = time.time() + timeout_s
    while not task_pids(argv):
        if time.time() > deadline:
            raise TimeoutError(f'no process {" ".join(argv)} after {timeout_s} s')
        time.sleep(POLL_S)


def wait_gone(argv, timeout_s=30):
    deadline = time.time() + timeout_s
    while task_pids(argv) and time.time() < deadline:
        time.sleep(0.05)


def bench_cached_start(shoal, base, registry, name, runs):
    agent = Agent(shoal, base, 'start', registry)
    try:
        agent.cli('image', 'pull', name)
        out = Outcomes()
        for i in range(runs):
            # Unique, so found in /proc by its argv. The shell traps SIGTERM: a task's PID 1 has
            # no default action for it, so a bare `sleep` would hold each `service rm` for the
            # 10 s stop grace period.
            argv = ['/bin/busybox', 'sh', '-c', f'trap "exit 0" TERM; /bin/busybox sleep {10000 + i} & wait']

            def create_until_running():
                agent.cli('service', 'create', '--name', f'start{i}', '--detach', name, *argv, timeout=START_TIMEOUT_S)
                wait_for_process(argv, START_TIMEOUT_S)
            out.timed(create_until_running)
            agent.cli('service', 'rm', f'start{i}', check=False)
            wait_gone(argv)
        print(f'service create of a held image until its process runs: {out.line(1000, "ms")}')
        for f in out.failed:
            print(f'  failed: {f}')
    finally:
        agent.stop()
    return out


def runc_floor(base, image, runs):
    """runc create + start of the image's rootfs (umoci-unpacked), pid/ipc/uts/mount namespaces
    as a shoal task on the host network; the process is running when `runc start` returns."""
    bundle = os.path.join(base, 'floor')
    run('umoci', 'unpack', '--image', image, bundle)
    spec = json.load(open(os.path.join(bundle, 'config.json')))
    spec['process']['terminal'] = False
    spec['process']['args'] = ['/bin/busybox', 'sleep', '1000']
    spec['linux']['namespaces'] = [n for n in spec['linux']['namespaces'] if n['type'] in ('pid', 'ipc', 'uts', 'mount')]
    json.dump(spec, open(os.path.join(bundle, 'config.json'), 'w'))
    out = Outcomes()
    for i in range(runs):
        cid = f'shoal-bench-floor-{os.getpid()}-{i}'

        def create_start():
            # The container inherits runc's stdio: pipes would stay open as long as it runs.
            subprocess.run(['runc', 'create', '--bundle', bundle, cid], check=True, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=START_TIMEOUT_S)
            subprocess.run(['runc', 'start', cid], check=True, capture_output=True, timeout=START_TIMEOUT_S)
        out.timed(create_start)
        subprocess.run(['runc', 'delete', '--force', cid], capture_output=True)
    print(f'runc create + start (the floor), same rootfs:          {out.line(1000, "ms")}')
    for f in out.failed:
        print(f'  failed: {f}')


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    shoal = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    size_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    if os.geteuid() != 0:
        sys.exit('bench_image: needs root (runc, overlayfs mounts)')
    for tool in ('docker-registry', 'skopeo', 'umoci', 'runc', 'busybox'):
        if shutil.which(tool) is None:
            sys.exit(f'bench_image: {tool} is not installed (scripts/deps.sh)')
    base = tempfile.mkdtemp(prefix='bench-image-')
    registry = None
    try:
        registry = Registry(base)
        t0 = time.time()
        image = build_big_image(base, size_mb)
        subprocess.run(['skopeo', 'copy', '-q', '--dest-tls-verify=false', f'oci:{image}',
                        f'docker://{registry.host}/big:1'], check=True, capture_output=True)
        blobs = os.path.join(base, 'oci', 'blobs', 'sha256')
        size = sum(os.path.getsize(os.path.join(blobs, b)) for b in os.listdir(blobs))
        print(f'image: {LAYERS} layers of random bytes + busybox, {size / 1e6:.0f} MB of blobs '
              f'(built and pushed in {time.time() - t0:.1f} s); {runs} runs each')
        name = f'{registry.host}/big:1'
        bench_pull(shoal, base, registry, name, runs)
        bench_cached_start(shoal, base, registry, name, runs * 4)
        runc_floor(base, image, runs * 4)
    finally:
        if registry:
            registry.stop()
        # Rootfs mounts an agent left behind (one that failed) are detached before the rm.
        left = [line.split()[1] for line in open('/proc/self/mounts') if line.split()[1].startswith(base + '/')]
        for mnt in sorted(left, reverse=True):
            subprocess.run(['umount', '-l', mnt])
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    main()
