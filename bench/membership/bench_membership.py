#!/usr/bin/env python3
"""shoal vs HashiCorp Serf on loopback, in the same run: N agents of each; join convergence
(every agent lists all N alive), failure detection after SIGKILL of one (every other agent lists
it failed), mean RSS. Prints both and the ratios shoal/serf. Both are polled the same way (all
agents in parallel, every 50 ms), so polling cost is the same on both sides.
Usage: bench_membership.py SHOAL_BINARY [N] [RUNS] [SHOAL_PROFILE] [SERF_PROFILE]"""
import concurrent.futures as cf, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
from cluster import free_port

POOL = cf.ThreadPoolExecutor(16)
TIMEOUT_S = 120

def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'): return int(line.split()[1])
    return 0

def poll_all(check, names):
    deadline = time.time() + TIMEOUT_S
    while time.time() < deadline:
        if all(POOL.map(check, names)): return time.time()
        time.sleep(0.05)
    return None

class ShoalSide:
    name = 'shoal'
    def __init__(self, binary, profile):
        self.bin, self.profile, self.dir = binary, profile, tempfile.mkdtemp(prefix='bench-shoal-')
        self.key = subprocess.check_output([binary, 'keygen'], text=True).strip()
    def start(self, i, seed_port):
        port = free_port(); api = f'{self.dir}/n{i}.sock'
        cmd = [self.bin, 'agent', '--name', f'n{i}', '--bind', f'127.0.0.1:{port}', '--key', self.key,
               '--profile', self.profile, '--api', api, '--data-dir', f'{self.dir}/n{i}']
        if seed_port: cmd += ['--join', f'127.0.0.1:{seed_port}']
        return port, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), api
    def statuses(self, api):
        out = subprocess.run([self.bin, 'members', '--format', 'json', '--api', api], capture_output=True, text=True)
        if out.returncode: return {}
        return {m['name']: m['status'] for m in json.loads(out.stdout)}

class SerfSide:
    name = 'serf'
    def __init__(self, profile):
        self.profile, self.dir = profile, tempfile.mkdtemp(prefix='bench-serf-')
    def start(self, i, seed_port):
        port, rpc = free_port(), free_port()
        cmd = ['serf', 'agent', f'-node=n{i}', f'-bind=127.0.0.1:{port}', f'-rpc-addr=127.0.0.1:{rpc}',
               f'-profile={self.profile}', '-log-level=err']
        if seed_port: cmd.append(f'-join=127.0.0.1:{seed_port}')
        return port, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), f'127.0.0.1:{rpc}'
    def statuses(self, rpc):
        out = subprocess.run(['serf', 'members', f'-rpc-addr={rpc}', '-format=json'], capture_output=True, text=True)
        if out.returncode: return {}
        return {m['name']: m['status'] for m in json.loads(out.stdout)['members']}

def run_once(side, n):
    procs, apis = [], []
    try:
        t0 = time.time()
        seed = None
        for i in range(n):
            port, p, api = side.start(i, seed)
            procs.append(p); apis.append(api)
            if i == 0:
                seed = port
                time.sleep(0.3)  # as the anchor script: let the seed come up
        t_started = time.time()  # every agent launched: what is left is the protocol (and polling)
        names = {f'n{i}' for i in range(n)}
        t1 = poll_all(lambda a: (lambda s: all(s.get(x) == 'alive' for x in names))(side.statuses(a)), apis)
        if t1 is None: return dict(timeout='join')
        rss = statistics.mean(rss_kib(p.pid) for p in procs) / 1024
        victim = n - 1
        procs[victim].send_signal(signal.SIGKILL); procs[victim].wait()
        t2 = time.time()
        t3 = poll_all(lambda a: side.statuses(a).get(f'n{victim}') == 'failed', apis[:victim])
        if t3 is None: return dict(timeout='detect', join=t1 - t0, join_after_start=t1 - t_started, rss=rss)
        return dict(join=t1 - t0, join_after_start=t1 - t_started, detect=t3 - t2, rss=rss)
    finally:
        for p in procs:
            if p.poll() is None: p.kill(); p.wait()

def main():
    if len(sys.argv) < 2:
        print(__doc__); return 2
    shoal = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    sprof = sys.argv[4] if len(sys.argv) > 4 else 'lan'
    fprof = sys.argv[5] if len(sys.argv) > 5 else 'lan'
    if not shutil.which('serf'):
        print('bench_membership: serf not installed (make deps-bench)'); return 2
    results = {'shoal': [], 'serf': []}
    for r in range(runs):
        for side in (ShoalSide(shoal, sprof), SerfSide(fprof)):
            res = run_once(side, n)
            results[side.name].append(res)
            shutil.rmtree(side.dir, ignore_errors=True)
            if 'timeout' in res: print(f'run {r+1} {side.name:5} N={n}: TIMEOUT ({res["timeout"]} not complete after {TIMEOUT_S} s)', flush=True)
            else: print(f'run {r+1} {side.name:5} N={n}: join {res["join"]:.2f} s (after the last start {res["join_after_start"]:.2f} s), detect {res["detect"]:.2f} s, rss {res["rss"]:.1f} MiB', flush=True)
    def summary(xs, key):
        # A timed-out run is the worst case, not a missing sample: a phase it did not complete
        # (or never reached) counts as TIMEOUT_S, a lower bound of its real figure, so median
        # and worst include it. RSS is only known once the join completed.
        v = [x[key] if key in x else float(TIMEOUT_S) for x in xs if key in x or key != 'rss']
        return (statistics.median(v), max(v)) if v else (float('nan'), float('nan'))
    for name in ('shoal', 'serf'):
        t = [x['timeout'] for x in results[name] if 'timeout' in x]
        print(f'{name}: {len(t)} of {runs} runs timed out' + (f' ({", ".join(t)})' if t else ''))
    print(f'\nN={n} runs={runs} shoal profile={sprof} serf profile={fprof} (median / worst; a timed-out phase counts as {TIMEOUT_S} s)')
    # join: from the first launch (as the anchor script); join_after_start: from the last launch,
    # i.e. without the 0.3 s seed delay and the sequential process starts both sides pay alike.
    for key, unit in (('join', 's'), ('join_after_start', 's'), ('detect', 's'), ('rss', 'MiB')):
        sm, sw = summary(results['shoal'], key); fm, fw = summary(results['serf'], key)
        print(f'{key:16} shoal {sm:6.2f} / {sw:6.2f} {unit:3}  serf {fm:6.2f} / {fw:6.2f} {unit:3}  ratio {sm / fm:5.2f} (worst {sw / fw:5.2f})')

if __name__ == '__main__':
    sys.exit(main())
