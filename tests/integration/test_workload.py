#!/usr/bin/env python3
"""Integration tests of the workload: real `shoal agent` processes on loopback running real task
processes (`sleep`, `sh -c ...`) in namespaces and cgroups.
Usage: test_workload.py SHOAL_BINARY SCENARIO

Nothing may outlive a scenario: agents are stopped with SIGTERM (which stops their tasks), and
the tasks of agents that were SIGKILLed (they keep running on purpose, for adoption) are killed
through their cgroups. No assert is on elapsed time; timeouts are only there to not hang."""
import ctypes, glob, json, os, signal, subprocess, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import SKIP, Cluster, Skip, run_scenarios_main, wait_until

LIVE = ('running', 'healthy')

_xxh = ctypes.CDLL('libxxhash.so.0')
_xxh.XXH3_64bits.restype = ctypes.c_uint64
_xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


class WorkCluster(Cluster):
    """A Cluster that knows where each agent's tasks live and cleans them up."""

    def cgroup_parent(self, name):
        # agent/workload.cc: "shoal-" + name + "-" + 8 hex digits of stable_hash(data dir)
        data = os.path.join(self.dir, name).encode()
        return 'shoal-%s-%08x' % (name, _xxh.XXH3_64bits(data, len(data)) & 0xffffffff)

    def cgroup_dirs(self, name):
        """The agent's per-task cgroup dirs, in every hierarchy (v1 controllers and v2)."""
        p = self.cgroup_parent(name)
        return glob.glob(f'/sys/fs/cgroup/{p}/*/') + glob.glob(f'/sys/fs/cgroup/*/{p}/*/')

    def task_pids(self, name):
        """Host pids of every process in the agent's task cgroups."""
        pids = set()
        for d in self.cgroup_dirs(name):
            try:
                pids |= {int(x) for x in open(os.path.join(d, 'cgroup.procs')).read().split()}
            except OSError:
                pass
        return pids

    def procs(self, name, argv_prefix=('sleep',)):
        """{pid: argv} of the agent's task processes whose argv starts with argv_prefix."""
        out = {}
        for pid in self.task_pids(name):
            try:
                argv = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\0')[:-1]
            except OSError:
                continue
            argv = [a.decode() for a in argv]
            if argv[:len(argv_prefix)] == list(argv_prefix):
                out[pid] = argv
        return out

    def api(self, name):
        return self.agents[name]['api']

    def cli(self, node, *args, check=True):
        return self.run_cli(*args, api=self.api(node), check=check)

    def ps(self, node, service):
        return json.loads(self.cli(node, 'service', 'ps', service, '--format', 'json'))

    def ls(self, node):
        return {s['name']: s for s in json.loads(self.cli(node, 'service', 'ls', '--format', 'json'))}

    def nodes(self, node):
        return {n['name']: n for n in json.loads(self.cli(node, 'node', 'ls', '--format', 'json'))}

    def inspect(self, node, service):
        return json.loads(self.cli(node, 'service', 'inspect', service))[0]

    def reconcile_rounds(self, node):
        """Reconcile rounds the agent decided since it started (`agent info`, node/node_core.h)."""
        return json.loads(self.cli(node, 'agent', 'info', '--format', 'json'))['reconcile_rounds']

    def wait_rounds(self, nodes, rounds=3):
        """Waits until each of `nodes` decided `rounds` more reconcile rounds: what a round would
        change (a restart, a move, a stale count) has had its chance to show. Stands in for
        "nothing changed", without guessing how long a round takes on a loaded machine."""
        start = {n: self.reconcile_rounds(n) for n in nodes}
        for n in nodes:
            wait_until(lambda: self.reconcile_rounds(n) >= start[n] + rounds, 60, f'{rounds} reconcile rounds on {n}')

    def stop(self):
        # Graceful first: SIGTERM stops every task of a live agent, then it leaves.
        for a in self.agents.values():
            if a['proc'].poll() is None:
                a['proc'].send_signal(signal.SIGTERM)
        for a in self.agents.values():
            try:
                a['proc'].wait(20)
            except subprocess.TimeoutExpired:
                a['proc'].kill()
                a['proc'].wait(5)
        # Tasks of SIGKILLed agents still run: kill them through their cgroups, remove the dirs.
        for name in list(self.agents):
            for _ in range(100):
                pids = self.task_pids(name)
                if not pids:
                    break
                for pid in pids:
                    try: os.kill(pid, signal.SIGKILL)
                    except OSError: pass
                time.sleep(0.05)
            p = self.cgroup_parent(name)
            for d in self.cgroup_dirs(name):
                try: os.rmdir(d)
                except OSError: pass
            for d in glob.glob(f'/sys/fs/cgroup/{p}') + glob.glob(f'/sys/fs/cgroup/*/{p}'):
                try: os.rmdir(d)
                except OSError: pass
        self.release_leftovers()
        super().stop()

    def release_leftovers(self):
        """What killed agents left in the temp dir that rmtree cannot remove (subclasses)."""


def start3(c, extra=()):
    c.start('n1', extra=extra)
    c.start('n2', join=['n1'], extra=extra)
    c.start('n3', join=['n1'], extra=extra)
    names = ['n1', 'n2', 'n3']
    wait_until(lambda: all(sorted(n for n, s in c.status_map(x).items() if s == 'alive') == names for x in names),
               60, 'three agents alive')


def slots_by_node(rows):
    """{node: [slot, ...]} of the rows that should run (desired running, placed)."""
    out = {}
    for r in rows:
        if r['desired'] == 'running' and r['node']:
            out.setdefault(r['node'], []).append(r['slot'])
    return out


def converged(c, node, service, replicas, version=None):
    rows = [r for r in c.ps(node, service) if r['desired'] == 'running']
    return (len(rows) == replicas and all(r['state'] in LIVE for r in rows)
            and (version is None or all(r['version'] == version for r in rows)))


def sleeps_everywhere(c, arg):
    return {n: len(c.procs(n, ('sleep', arg))) for n in c.agents}


# 1. The Swarm demo flow: create, scale, rolling update, drain, SIGKILL of an agent.
def scenario_demo_flow(c):
    start3(c)
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '1', '--', 'sleep', '1000')
    assert converged(c, 'n1', 'web', 1), c.ps('n1', 'web')
    assert sum(sleeps_everywhere(c, '1000').values()) == 1, sleeps_everywhere(c, '1000')

    c.cli('n2', 'service', 'scale', 'web=3')  # waits until converged as n2 sees it; n1 hears by gossip
    try:
        wait_until(lambda: converged(c, 'n1', 'web', 3), 30, 'n1 sees web converged')
    except AssertionError:
        raise AssertionError(c.ps('n1', 'web'))
    placed = slots_by_node(c.ps('n1', 'web'))
    assert sorted(len(v) for v in placed.values()) == [1, 1, 1], placed  # one per node
    # the task processes really exist: one `sleep 1000` in each agent's cgroups
    wait_until(lambda: sleeps_everywhere(c, '1000') == {'n1': 1, 'n2': 1, 'n3': 1}, 30, 'one sleep per node')

    # Rolling update, one slot at a time: poll both the reported state and the real processes.
    seen = dict(max_down=0, min_procs=3, polls=0, errors=[])
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                rows = [r for r in c.ps('n1', 'web') if r['desired'] == 'running']
                down = sum(1 for r in rows if r['state'] not in LIVE) + (3 - len(rows))
                seen['max_down'] = max(seen['max_down'], down)
                procs = sum(len(c.procs(n, ('sleep',))) for n in c.agents)
                seen['min_procs'] = min(seen['min_procs'], procs)
                seen['polls'] += 1
            except Exception as e:  # a poll racing a process exit: note it, keep polling
                seen['errors'].append(repr(e))
            time.sleep(0.05)

    w = threading.Thread(target=watch)
    w.start()
    try:
        # 4 s between waves: the watcher must see the update (> 10 polls) even when each poll
        # is slow (ASan on a loaded machine managed 9 with 1 s, and 9 again with 2 s).
        c.cli('n1', 'service', 'update', 'web', '--update-parallelism', '1', '--update-delay', '4s',
              '--', 'sleep', '2000')
    finally:
        done.set()
        w.join()
    assert seen['polls'] > 10, seen
    assert seen['max_down'] <= 1, seen
    assert seen['min_procs'] >= 2, seen
    v = c.inspect('n1', 'web')['version']
    wait_until(lambda: converged(c, 'n3', 'web', 3, v), 30, 'all on the new version (seen from n3)')
    wait_until(lambda: sleeps_everywhere(c, '2000') == {'n1': 1, 'n2': 1, 'n3': 1}
               and sum(sleeps_everywhere(c, '1000').values()) == 0, 30, 'processes on the new version')

    # Drain n2: its task moves, it shows drain with 0 tasks, and its process is gone.
    c.cli('n1', 'node', 'update', '--availability', 'drain', 'n2')
    wait_until(lambda: converged(c, 'n1', 'web', 3, v) and 'n2' not in slots_by_node(c.ps('n1', 'web')),
               60, 'web off n2')
    wait_until(lambda: c.nodes('n3')['n2']['availability'] == 'drain' and c.nodes('n3')['n2']['tasks'] == 0,
               30, 'node ls shows n2 drained, 0 tasks')
    wait_until(lambda: not c.procs('n2'), 60, 'no task process left on n2')
    # n1 wrote the drain; n2's status on n1 is gossip, and a busy run can show it suspect a moment
    def n2_drained_alive(table):
        return any(l.split()[:2] == ['n2', 'alive'] and 'drain' in l.split() for l in table.splitlines())
    try:
        wait_until(lambda: n2_drained_alive(c.cli('n1', 'node', 'ls')), 30, 'node ls on n1 shows n2 alive, drain')
    except AssertionError:
        raise AssertionError(c.cli('n1', 'node', 'ls'))

    # SIGKILL n3: its slot comes back running on n1 (the only active node left).
    victim_slots = slots_by_node(c.ps('n1', 'web')).get('n3', [])
    assert victim_slots, c.ps('n1', 'web')
    c.kill('n3')
    wait_until(lambda: c.status_map('n1').get('n3') == 'failed', 60, 'n3 failed')
    wait_until(lambda: slots_by_node(c.ps('n1', 'web')).get('n1') == [0, 1, 2] and converged(c, 'n1', 'web', 3, v),
               60, 'all slots running on n1')
    wait_until(lambda: len(c.procs('n1', ('sleep', '2000'))) == 3, 30, 'three processes on n1')
    # `service ls` counts reported running statuses: n2's stopped task reports its exit a round
    # after the process is gone (and n1 hears it by gossip), so the count can trail ps a moment.
    def ls_3_of_3(out):
        return 'web' in out and '3/3' in out.replace(' ', '')
    try:
        wait_until(lambda: ls_3_of_3(c.cli('n1', 'service', 'ls')), 30, 'service ls on n1 shows web 3/3')
    except AssertionError:
        raise AssertionError(c.cli('n1', 'service', 'ls'))



# `service ls` counts a slot once, on the node that owns it now (not stale reports of dead nodes).
def scenario_ls_counts_after_kill(c):
    start3(c)
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '3', '--', 'sleep', '1000')
    c.kill('n3')
    wait_until(lambda: c.status_map('n1').get('n3') == 'failed', 60, 'n3 failed')
    wait_until(lambda: converged(c, 'n1', 'web', 3) and 'n3' not in slots_by_node(c.ps('n1', 'web')),
               60, 'web running on n1 and n2')
    c.wait_rounds(['n1', 'n2'])  # a stale count would show now (nothing more is expected to change)
    running = c.ls('n1')['web']['running']
    assert running == 3, f'service ls reports running={running} for 3 replicas after n3 died'



# 2. A global service runs one task per node, and one more when a node joins.
def scenario_global(c):
    start3(c)
    out = c.cli('n1', 'service', 'create', '--name', 'mon', '--mode', 'global', '--', 'sleep', '1000')
    assert 'converged' in out, out
    # converged on n1's view; n2's view catches up by gossip (task status written on n3)
    def live_rows():
        rows = [r for r in c.ps('n2', 'mon') if r['desired'] == 'running']
        return sorted(r['node'] for r in rows) == ['n1', 'n2', 'n3'] and all(r['state'] in LIVE for r in rows)
    wait_until(live_rows, 30, 'n2 sees one live task per node')
    wait_until(lambda: sleeps_everywhere(c, '1000') == {'n1': 1, 'n2': 1, 'n3': 1}, 30, 'one process per node')
    c.start('n4', join=['n2'])
    wait_until(lambda: sorted(r['node'] for r in c.ps('n1', 'mon') if r['desired'] == 'running' and r['state'] in LIVE)
               == ['n1', 'n2', 'n3', 'n4'], 60, 'a task on n4 too')
    wait_until(lambda: sleeps_everywhere(c, '1000') == {'n1': 1, 'n2': 1, 'n3': 1, 'n4': 1}, 30, 'process on n4')
    # a global service's replicas are the members n4 sees alive: n4 learns the others by gossip
    # (n1 seeing n4's task says nothing of n4's view of n3)
    try:
        wait_until(lambda: c.ls('n4')['mon']['replicas'] == 4, 30, 'n4 counts 4 replicas of mon')
    except AssertionError:
        raise AssertionError(c.ls('n4'))


# 3. A constraint no node meets leaves the slots pending with the reason; a matching node runs them.
def scenario_unplaceable(c):
    start3(c)
    p = c.cli('n1', 'service', 'create', '--detach', '--name', 'z', '--replicas', '2',
              '--constraint', 'node.labels.zone==nowhere', '--', 'sleep', '1000', check=False)
    assert p.returncode == 0, p
    wait_until(lambda: all('z' in c.ls(n) for n in ('n1', 'n2', 'n3')), 30, 'z known everywhere')
    rows = c.ps('n2', 'z')
    assert len(rows) == 2 and all(r['state'] == 'pending' and r['node'] == '' and 'zone' in r['error'] for r in rows), rows
    table = c.cli('n3', 'service', 'ps', 'z')
    assert table.count('pending') == 2 and 'zone' in table, table
    prog = json.loads(c.cli('n1', 'service', 'progress', 'z'))
    assert prog['pending'] == 2 and prog['ready'] == 0 and 'zone' in prog['message'], prog
    assert sum(sleeps_everywhere(c, '1000').values()) == 0
    # a node that meets the constraint joins: the pending slots run there
    c.start('n4', join=['n1'], extra=['--label', 'zone=nowhere'])
    wait_until(lambda: converged(c, 'n1', 'z', 2) and list(slots_by_node(c.ps('n1', 'z'))) == ['n4'], 60, 'z on n4')
    wait_until(lambda: len(c.procs('n4', ('sleep', '1000'))) == 2, 30, 'two processes on n4')
    # Without --detach, a create that cannot place anything must not wait (up to 300 s) in silence.
    cmd = [c.shoal, 'service', 'create', '--name', 'z2', '--constraint', 'node.labels.zone==elsewhere',
           '--api', c.api('n1'), '--', 'sleep', '1000']
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError('`service create` (no --detach) whose slots no node can take waited 60 s '
                             'without saying why')
    assert p.returncode != 0 and 'zone' in p.stderr, p


# 4. An agent restarted after SIGKILL adopts its healthy tasks: same processes, not restarted.
def scenario_restart_keeps_tasks(c):
    c.start('n1'); c.start('n2', join=['n1'])
    wait_until(lambda: c.status_map('n1').get('n2') == 'alive' and c.status_map('n2').get('n1') == 'alive', 60, 'pair')
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '4', '--', 'sleep', '1000')
    wait_until(lambda: sleeps_everywhere(c, '1000') == {'n1': 2, 'n2': 2}, 30, 'two processes per node')
    before = set(c.procs('n2', ('sleep', '1000')))
    c.kill('n2')
    assert set(c.procs('n2', ('sleep', '1000'))) == before  # tasks outlive a SIGKILLed agent
    c.restart('n2')
    wait_until(lambda: all(r['state'] == 'healthy' for r in c.ps('n2', 'web') if r['node'] == 'n2'), 30, 'n2 reports')
    wait_until(lambda: c.status_map('n1').get('n2') == 'alive' and c.status_map('n2').get('n1') == 'alive', 60, 'pair')
    wait_until(lambda: converged(c, 'n1', 'web', 4), 30, 'web converged')
    c.wait_rounds(['n1', 'n2'])  # a restart, if any, would happen in these rounds
    assert set(c.procs('n2', ('sleep', '1000'))) == before, (before, c.procs('n2'))
    assert sorted(len(v) for v in slots_by_node(c.ps('n1', 'web')).values()) == [2, 2]
    log = open(c.agents['n2']['log']).read()
    assert log.count('adopted running task web.') == 2, log


# 4b. An agent killed and restarted at once moves nothing: before it has synced with a peer it
# knew only itself and would have placed every slot here (3 slots on 3 nodes swapped two slots
# every time before the settle gate).
def scenario_restart_moves_nothing(c):
    start3(c)
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '3', '--', 'sleep', '1000')
    c.cli('n1', 'service', 'create', '--name', 'api', '--replicas', '5', '--', 'sleep', '1001')
    wait_until(lambda: converged(c, 'n1', 'web', 3) and converged(c, 'n1', 'api', 5), 60, 'both converged')
    def placed():
        return {(svc, r['slot'], r['node']) for svc in ('web', 'api')
                for r in c.ps('n1', svc) if r['desired'] == 'running'}
    before, pids = placed(), {n: set(c.procs(n, ('sleep',))) for n in c.agents}
    c.kill('n2')
    c.restart('n2')
    wait_until(lambda: 'in step with the cluster' in open(c.agents['n2']['log']).read(), 60, 'n2 in step')
    c.wait_rounds(list(c.agents))  # a move, if any, would happen in these rounds
    assert placed() == before, (sorted(before), sorted(placed()))
    assert {n: set(c.procs(n, ('sleep',))) for n in c.agents} == pids


# 5. A failing health check during an update with failure-action rollback returns to the old spec.
def scenario_health_rollback(c):
    start3(c)
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '3', '--', 'sleep', '1000')
    v1 = c.inspect('n1', 'web')['version']
    p = c.cli('n2', 'service', 'update', 'web', '--health-cmd', 'false', '--health-interval', '200ms',
              '--health-retries', '1', '--update-failure-action', 'rollback', '--update-monitor', '2s',
              '--', 'sleep', '3000', check=False)
    def rolled_back():
        svc = c.inspect('n3', 'web')
        return svc['version'] > v1 + 1 and svc['spec']['task']['args'] == ['1000'] and svc['spec']['health']['command'] == ''
    wait_until(rolled_back, 90, 'spec back to the old command, at a new version')
    v = c.inspect('n3', 'web')['version']
    wait_until(lambda: converged(c, 'n1', 'web', 3, v), 60, 'all tasks back on the old command')
    wait_until(lambda: sum(sleeps_everywhere(c, '1000').values()) == 3 and sum(sleeps_everywhere(c, '3000').values()) == 0,
               60, 'processes back on sleep 1000')
    assert c.inspect('n1', 'web')['previous_spec'] is not None
    # the CLI that asked for the update says it did not happen
    assert p.returncode != 0, ('`service update` exited 0 ("converged") although its update was rolled back', p)
    assert 'roll' in p.stderr and 'web' in p.stderr, p.stderr


def open_fds_to(path):
    hits = []
    for fd in glob.glob('/proc/[0-9]*/fd/*'):
        try:
            if os.readlink(fd) == path:
                hits.append(fd)
        except OSError:
            pass
    return hits


# 6. `service rm` leaves no process, no cgroup and no open log file behind.
def scenario_rm_cleans_up(c):
    start3(c)
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '3', '--', 'sh', '-c',
          'while :; do echo tick; sleep 0.2; done')
    rows = [r for r in c.ps('n1', 'web') if r['desired'] == 'running']
    tasks = [(r['node'], r['id'].split('@')[0]) for r in rows]
    assert len(tasks) == 3, rows
    logs = [os.path.join(c.dir, node, 'logs', tid + '.stdout.log') for node, tid in tasks]
    wait_until(lambda: all(os.path.exists(l) and 'tick' in open(l).read() for l in logs), 30, 'tasks write their logs')
    assert all(open_fds_to(l) for l in logs), 'a running task holds its log open'
    cgroups = [d for node, tid in tasks for d in c.cgroup_dirs(node) if os.path.basename(d.rstrip('/')) == tid]
    assert len(cgroups) >= 3, cgroups
    assert sum(len(c.task_pids(n)) for n in c.agents) >= 3
    c.cli('n2', 'service', 'rm', 'web')
    wait_until(lambda: sum(len(c.task_pids(n)) for n in c.agents) == 0, 60, 'no task process left')
    wait_until(lambda: not any(os.path.exists(d) for d in cgroups), 30, 'task cgroups removed')
    def my_leftovers():
        leftover = glob.glob('/sys/fs/cgroup/*/shoal-*/web.*') + glob.glob('/sys/fs/cgroup/shoal-*/web.*')
        return [d for d in leftover if any(c.cgroup_parent(n) in d for n in c.agents)]
    try:
        wait_until(lambda: not my_leftovers(), 30, 'no web cgroup left in any hierarchy')
    except AssertionError:
        raise AssertionError(my_leftovers())
    wait_until(lambda: not any(open_fds_to(l) for l in logs), 30, 'no open handle on the task logs')
    # The exit closes the logs; the agent forgets the task (and deletes them) a round later.
    try:
        wait_until(lambda: not any(os.path.exists(l) for l in logs), 30, 'task logs deleted')
    except AssertionError:
        raise AssertionError([l for l in logs if os.path.exists(l)])
    # the rm was written on n2; n3 hears it by gossip
    wait_until(lambda: c.run_cli('service', 'ps', 'web', api=c.api('n3'), check=False).returncode != 0
               and 'web' not in c.ls('n3'), 30, 'n3 knows web is gone')
    # a clean agent stop leaves no cgroup dir of its own either
    for n in c.agents:
        c.kill(n, signal.SIGTERM)
    for n in c.agents:
        c.agents[n]['proc'].wait(60)
    left = [d for n in c.agents for d in glob.glob(f'/sys/fs/cgroup/*/{c.cgroup_parent(n)}')
            + glob.glob(f'/sys/fs/cgroup/{c.cgroup_parent(n)}')]
    assert not left, left


# 7. Desired state survives SIGKILL during writes: the agent restarts, and every write it
# acknowledged (CLI exit 0) is there after the restart. One agent, so nothing can be re-learned
# from a peer: what is there after a restart came from its own state file.
def scenario_persistence(c):
    c.start('n1')
    c.cli('n1', 'service', 'create', '--detach', '--name', 'web', '--replicas', '0',
          '--constraint', 'node.labels.zone==nowhere', '--', 'sleep', '1000')  # no process: writes only
    acked_scale, acked_created, attempted = 0, [], 0
    rounds = 12
    for i in range(rounds):
        stop = threading.Event()
        acks = dict(scale=0, created=[])

        def writer(base=attempted):
            k = base
            while not stop.is_set():
                k += 1
                args = (['service', 'scale', '--detach', f'web={k}'] if k % 2 else
                        ['service', 'create', '--detach', '--replicas', '0', '--name', f's{k}', '--', 'sleep', '1'])
                try:
                    p = c.run_cli(*args, api=c.api('n1'), check=False)
                except Exception:
                    continue
                if p.returncode == 0:
                    if k % 2: acks['scale'] = k
                    else: acks['created'].append(f's{k}')
            acks['last'] = k

        w = threading.Thread(target=writer)
        w.start()
        # Kill while writes are in flight, at a varying moment, but only after this round had
        # some writes of both kinds acknowledged: how many fit in a fixed 0.2-0.4 s depends on
        # the machine (an ASan build on busy cores fits few), and the final count needs them.
        t0 = time.time()
        try:
            wait_until(lambda: len(acks['created']) >= 2 and acks['scale'] > 0, 60, f'round {i}: writes acknowledged')
        except AssertionError:
            stop.set(); w.join()
            raise
        left = 0.2 + 0.05 * (i % 5) - (time.time() - t0)
        time.sleep(left if left > 0 else 0.05 * (i % 5))
        c.kill('n1')
        stop.set()
        w.join()
        attempted = acks['last']
        acked_scale = max(acked_scale, acks['scale'])
        acked_created += acks['created']
        c.restart('n1')
        log = open(c.agents['n1']['log']).read()
        assert 'corrupt' not in log.lower() and 'torn' not in log.lower(), log[-2000:]
        services = c.ls('n1')
        missing = [s for s in acked_created if s not in services]
        assert not missing, (i, missing)
        assert acked_scale <= services['web']['replicas'] <= attempted, (i, acked_scale, services['web'], attempted)
    assert acked_scale > rounds and len(acked_created) > rounds, (acked_scale, len(acked_created))
    print(f'{rounds} SIGKILLs during writes: {acked_scale // 2 + len(acked_created)} acknowledged writes, all kept')
    json.loads(c.cli('n1', 'state', 'dump', '--format', 'json'))


# 8. Bad input to the service verbs: one clear line on stderr and a non-zero exit.
def scenario_service_cli_errors(c):
    c.start('n1')
    c.cli('n1', 'service', 'create', '--detach', '--name', 'web', '--replicas', '0', '--', 'sleep', '1000')
    cases = [
        (['service', 'inspect', 'nosuch'], 'nosuch'),
        (['service', 'ps', 'nosuch'], 'nosuch'),
        (['service', 'scale', 'nosuch=3'], 'nosuch'),
        (['service', 'update', 'nosuch', '--replicas', '2'], 'nosuch'),
        (['service', 'rollback', 'nosuch'], 'nosuch'),
        (['service', 'rm', 'nosuch'], 'nosuch'),
        (['service', 'logs', 'nosuch'], 'nosuch'),
        (['service', 'create', '--name', 'x', '--replicas', 'x', '--', 'sleep', '1'], '--replicas'),
        (['service', 'create', '--name', 'x', '--replicas', '-1', '--', 'sleep', '1'], '--replicas'),
        (['service', 'create', '--name', 'x', '--update-delay', '2days', '--', 'sleep', '1'], '--update-delay'),
        (['service', 'create', '--name', 'x', '--memory', '12Q', '--', 'sleep', '1'], '--memory'),
        (['service', 'create', '--name', 'x', '--constraint', 'zone=a', '--', 'sleep', '1'], '--constraint'),
        (['service', 'create', '--name', 'x', '--mode', 'both', '--', 'sleep', '1'], '--mode'),
        (['service', 'create', '--name', 'x'], 'command'),
        (['service', 'create', '--name', 'bad name!', '--', 'sleep', '1'], 'name'),
        (['service', 'create', '--name', 'web', '--', 'sleep', '1'], 'exists'),
        (['service', 'scale', 'web=lots'], 'web=lots'),
        (['service', 'update', 'web', '--update-failure-action', 'explode'], '--update-failure-action'),
        (['service', 'create', '--name', 'x', '--bogus', '--', 'sleep', '1'], '--bogus'),
        (['service', 'frobnicate'], 'frobnicate'),
        (['node', 'update', '--availability', 'sideways', 'n1'], '--availability'),
        (['node', 'update', '--availability', 'drain', 'nosuch'], 'nosuch'),
    ]
    bad = []
    for args, needle in cases:
        p = c.run_cli(*args, api=c.api('n1'), check=False)
        lines = p.stderr.strip().splitlines()
        if p.returncode == 0 or needle not in p.stderr or len(lines) != 1:
            bad.append((args, p.returncode, p.stderr))
    assert not bad, '\n'.join(map(repr, bad))
    # nothing was written by the failed commands
    assert list(c.ls('n1')) == ['web'], c.ls('n1')
    assert c.ls('n1')['web']['replicas'] == 0


def run_scenario(scenarios, argv):
    """The entry point of every WorkCluster-based scenario file."""
    run_scenarios_main(scenarios, argv, WorkCluster)


def main():
    run_scenario(globals(), sys.argv)


if __name__ == '__main__':
    main()
