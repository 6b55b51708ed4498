#!/usr/bin/env python3
"""End-to-end figures of the workload on loopback, with real agents and real `sleep` tasks:
  create:   seconds from `service create --replicas 3` to 3 healthy tasks on 3 agents
            (with --detach and polling `service ps`, and the blocking CLI's own wall time);
  scale:    seconds to bring 1,000 replicas up on 3 agents (--detach, polling `service progress`);
  failover: seconds from SIGKILL of an agent to its tasks running on the others, next to the
            membership failure-detection time seen in the same run (target: detection + 1 s).
Everything it starts is stopped at the end (tasks of the killed agent through their cgroups).
Usage: bench_e2e.py SHOAL_BINARY [RUNS]"""
import concurrent.futures as cf, json, os, signal, statistics, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
from test_workload import WorkCluster, start3, LIVE
from cluster import wait_until

POLL_S = 0.02
POOL = cf.ThreadPoolExecutor(4)


def poll(pred, timeout_s, what):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if pred(): return time.time()
        except Exception:
            pass
        time.sleep(POLL_S)
    raise RuntimeError(f'timed out after {timeout_s}s waiting for {what}')


def healthy_on(c, node, service, n):
    """n rows desired running, all healthy, on n distinct nodes."""
    rows = [r for r in c.ps(node, service) if r['desired'] == 'running']
    return len(rows) == n and all(r['state'] == 'healthy' for r in rows) and len({r['node'] for r in rows}) == n


def summary(xs):
    return f'median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})'


def bench_create(shoal, runs):
    detached, blocking = [], []
    c = WorkCluster(shoal)
    try:
        start3(c)
        for i in range(runs):
            name = f'd{i}'
            t0 = time.time()
            c.cli('n1', 'service', 'create', '--detach', '--name', name, '--replicas', '3', '--', 'sleep', '1000')
            detached.append(poll(lambda: healthy_on(c, 'n1', name, 3), 30, name) - t0)
            name = f'b{i}'
            t0 = time.time()
            c.cli('n1', 'service', 'create', '--name', name, '--replicas', '3', '--', 'sleep', '1000')
            blocking.append(time.time() - t0)
            assert healthy_on(c, 'n1', name, 3)
            for s in (f'd{i}', f'b{i}'):
                c.cli('n1', 'service', 'rm', s)
            wait_until(lambda: not any(c.procs(n) for n in c.agents), 20, 'tasks gone')
    finally:
        c.stop()
    print(f'create --replicas 3 -> 3 healthy on 3 agents (--detach, polled): {summary(detached)}')
    print(f'create --replicas 3, blocking CLI wall time (polls every 100 ms): {summary(blocking)}')


def bench_thousand(shoal):
    c = WorkCluster(shoal)
    try:
        start3(c)
        t0 = time.time()
        c.cli('n1', 'service', 'create', '--detach', '--name', 'big', '--replicas', '1000', '--', 'sleep', '1000')
        def ready():
            p = json.loads(c.cli('n1', 'service', 'progress', 'big'))
            return p['ready'] == 1000 and p['desired'] == 1000
        t1 = poll(ready, 600, '1000 ready')
        procs = {n: len(c.procs(n, ('sleep', '1000'))) for n in c.agents}
        t2 = poll(lambda: sum(len(c.procs(n, ('sleep', '1000'))) for n in c.agents) == 1000, 60, '1000 processes')
        print(f'1,000 replicas on 3 agents: {t1 - t0:.2f} s to ready=1000 as reported, '
              f'{t2 - t0:.2f} s to 1000 processes seen ({procs} when ready was reported)')
        t0 = time.time()
        c.cli('n1', 'service', 'rm', 'big')
        t1 = poll(lambda: not any(c.task_pids(n) for n in c.agents), 600, 'all 1000 gone')
        print(f'service rm of 1,000 replicas: {t1 - t0:.2f} s to no task process left')
    finally:
        c.stop()


def bench_failover(shoal, runs, replicas=30):
    moved, detected = [], []
    for _ in range(runs):
        c = WorkCluster(shoal)
        try:
            start3(c)
            c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', str(replicas), '--', 'sleep', '1000')
            victim = 'n3'
            lost = sorted(r['slot'] for r in c.ps('n1', 'web') if r['desired'] == 'running' and r['node'] == victim)
            survivors = ['n1', 'n2']
            t0 = time.time()
            c.kill(victim)
            def detected_by(n):
                return poll(lambda: c.status_map(n).get(victim) == 'failed', 60, f'{n} sees {victim} failed')
            def moved_on(n):
                def ok():
                    rows = [r for r in c.ps(n, 'web') if r['desired'] == 'running']
                    return (len(rows) == replicas and all(r['state'] in LIVE and r['node'] != victim for r in rows))
                return poll(ok, 60, f'{n} sees all slots live elsewhere')
            det = list(POOL.map(detected_by, survivors))
            # the moved slots, as processes: the survivors run all replicas
            mov = list(POOL.map(moved_on, survivors))
            t_procs = poll(lambda: sum(len(c.procs(n, ('sleep', '1000'))) for n in survivors) == replicas, 30, 'processes')
            detected.append(max(det) - t0)
            moved.append(max(max(mov), t_procs) - t0)
            print(f'  run: {len(lost)} slots on {victim}; detected by all after {detected[-1]:.2f} s; '
                  f'running elsewhere after {moved[-1]:.2f} s (+{moved[-1] - detected[-1]:.2f} s)')
        finally:
            c.stop()
    print(f'SIGKILL -> failure detected by all survivors: {summary(detected)}')
    print(f'SIGKILL -> its tasks running on the others:   {summary(moved)}')
    print(f'  (after detection: {summary([m - d for m, d in zip(moved, detected)])}; target <= 1 s)')


def main():
    shoal = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    bench_create(shoal, runs)
    bench_thousand(shoal)
    bench_failover(shoal, max(1, runs // 2 + 1))


if __name__ == '__main__':
    main()
