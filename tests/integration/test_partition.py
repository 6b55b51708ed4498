#!/usr/bin/env python3
"""Partition semantics end to end (issue 14): hosts in network namespaces the test makes (the
dataplane tests' topology), one agent each on five hosts. A split is made on the switch
(nftables' bridge family drops between the groups), so each side stays whole inside.
Usage: test_partition.py SHOAL_BINARY SCENARIO

field_merge_across_partition: a 2|3 split; the a|b side changes the task template (--env) and
a label, the c|d|e side scales and writes the same label later. After the heal every node has all three changes
(different fields both survive), the label c wrote last wins, `service history` on every node
shows the discarded label write with who wrote it, `events` reports the conflict, and
`service rollback --to ENTRY` writes the discarded label back.

majority_singleton_fences: see its docstring. Timeouts only keep a failure from hanging."""
import json, os, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import wait_until
from test_dataplane import HOSTS, PREFIX, run_in_topology, sh

NODES = ['na', 'nb', 'nc', 'nd', 'ne']
SWITCH_PORT = {host: f'p{i}' for i, host in enumerate(HOSTS)}  # veth ends on the switch's bridge


def alive(c, node):
    return sorted(n for n, s in c.status_map(node).items() if s == 'alive')


def web(c, node):
    return c.inspect(node, 'web')


def history(c, node):
    return json.loads(c.cli(node, 'service', 'history', 'web', '--format', 'json'))


def scenario_field_merge_across_partition(c):
    c.cli('na', 'service', 'create', '--name', 'web', '--replicas', '2', '--detach', '--', 'sleep', '1000')
    wait_until(lambda: all('web' in c.ls(n) for n in NODES), 30, 'every node has web')

    split([['a', 'b'], ['c', 'd', 'e']])
    wait_until(lambda: alive(c, 'na') == ['na', 'nb'] and alive(c, 'nc') == ['nc', 'nd', 'ne'], 60,
               'a 2|3 split seen by both sides')
    c.cli('na', 'service', 'update', '--detach', '--env', 'COLOR=blue', '--label-add', 'owner=side-ab', 'web')
    c.cli('nc', 'service', 'scale', '--detach', 'web=3')
    c.cli('nc', 'service', 'update', '--detach', '--label-add', 'owner=side-c', 'web')  # later: wins the label
    # Each side's writes reach its other members by gossip (a wait: the ack is the writer's own).
    wait_until(lambda: web(c, 'nb')['spec']['task']['env'] == {'COLOR': 'blue'}, 30, 'nb has na\'s env')
    wait_until(lambda: all(web(c, n)['spec']['replicas'] == 3 and web(c, n)['spec']['labels'] == {'owner': 'side-c'}
                           for n in ('nd', 'ne')), 30, 'nd and ne have nc\'s scale and label')
    assert web(c, 'nc')['spec']['task']['env'] == {}, web(c, 'nc')  # the split holds: na's env is not there

    heal_split()
    wait_until(lambda: all(alive(c, n) == NODES for n in NODES), 90, 'the split healed: all alive everywhere')

    def merged(node):
        w = web(c, node)
        return (w['spec']['replicas'] == 3 and w['spec']['task']['env'] == {'COLOR': 'blue'} and
                w['spec']['labels'] == {'owner': 'side-c'})
    wait_until(lambda: all(merged(n) for n in NODES), 60, 'every node has the scale, the env and the later label')
    versions = {n: web(c, n)['version'] for n in NODES}
    assert len(set(versions.values())) == 1, versions

    def journaled(node):
        h = history(c, node)
        return [x for x in h['conflicts'] if x['field'] == 'labels']
    wait_until(lambda: all(journaled(n) for n in NODES), 30, 'every node journals the discarded label')
    for n in NODES:
        h = history(c, n)
        assert len(h['conflicts']) == 1, h  # the scale and the env were no conflict
        x = h['conflicts'][0]
        assert x['lost'] == 'labels=owner=side-ab' and x['lost_by'] == 'na', x
        assert x['won'] == 'labels=owner=side-c' and x['won_by'] == 'nc', x
        fields = {f['field']: f for f in h['fields']}
        assert fields['scale']['set_by'] == 'nc' and fields['template']['set_by'] == 'na', fields
    text = c.cli('nb', 'service', 'history', 'web')
    assert 'owner=side-ab from na' in text and 'lost to labels=owner=side-c from nc' in text, text
    events = c.run_cli('events', '--since', '0', '--until', '0s', '--filter', 'type=service', '--format', 'json',
                       api=c.api('na'))
    conflicts = [json.loads(l) for l in events.splitlines() if '"conflict"' in l]
    assert conflicts and conflicts[0]['attributes']['field'] == 'labels', events[-2000:]
    # The discarded label comes back as a new write, from any node; the rest stays.
    entry = history(c, 'nb')['conflicts'][0]['entry']
    assert entry.startswith('na:') and history(c, 'nb')['conflicts'][0]['restorable'], history(c, 'nb')
    assert f'[{entry}] labels' in text, text
    c.cli('nb', 'service', 'rollback', '--detach', '--to', entry, 'web')
    def restored(node):
        w = web(c, node)
        return (w['spec']['labels'] == {'owner': 'side-ab'} and w['spec']['replicas'] == 3 and
                w['spec']['task']['env'] == {'COLOR': 'blue'})
    wait_until(lambda: all(restored(n) for n in NODES), 30, 'every node has the restored label and kept the rest')
    print(f'healed: replicas=3 from nc, COLOR=blue from na, label from nc; versions {versions}; '
          f'conflict journaled on {len(NODES)} nodes; rollback --to {entry} restored owner=side-ab')


UP = ('starting', 'running', 'healthy')


def tasks_running(command_word):
    """Processes of the singleton on this machine, whichever namespace's agent started them: the
    ground truth of "runs once" (every agent's tasks are processes of this host)."""
    out = subprocess.run(['pgrep', '-f', f'^sleep {command_word}$'], capture_output=True, text=True).stdout
    return len(out.split())


def ps(c, node, name):
    return json.loads(c.cli(node, 'service', 'ps', name, '--format', 'json'))


def split(groups):
    """The switch forwards nothing between the groups (nftables' bridge family): a clean split,
    each group still whole inside."""
    rules = []
    for i, g in enumerate(groups):
        others = [h for j, o in enumerate(groups) if j != i for h in o]
        ports = ', '.join(f'"{SWITCH_PORT[h]}"' for h in g)
        to = ', '.join(f'"{SWITCH_PORT[h]}"' for h in others)
        rules.append(f'iifname {{ {ports} }} oifname {{ {to} }} drop')
    ruleset = ('table bridge split {\n chain forward { type filter hook forward priority 0; policy accept;\n  ' +
               '\n  '.join(rules) + '\n }\n}\n')
    subprocess.run(['ip', 'netns', 'exec', f'{PREFIX}-sw', 'nft', '-f', '-'], input=ruleset, text=True, check=True)


def heal_split():
    sh('ip', 'netns', 'exec', f'{PREFIX}-sw', 'nft', 'delete', 'table', 'bridge', 'split')


def scenario_majority_singleton_fences(c):
    """Five hosts; a `--on-partition majority` singleton whose node and one other are cut off
    from the other three (a 2|3 split): the cut-off node stops it after the isolation timeout,
    its partner never starts it, the three start it only after detection + isolation timeout +
    the fence margin. Sampled every 100 ms by process count, it never runs twice. `service ps`
    on each side says why a slot waits. After the heal it runs exactly once."""
    five = NODES
    c.cli('na', 'service', 'create', '--name', 'db', '--on-partition', 'majority', '--isolation-timeout', '2s',
          '--detach', '--', 'sleep', '4242')

    def runner(node):
        rows = [r for r in ps(c, node, 'db') if r['state'] in UP and r['desired'] == 'running']
        return rows[0]['node'] if len(rows) == 1 else None
    wait_until(lambda: all(runner(n) for n in five) and tasks_running(4242) == 1, 60, 'db runs once')
    cut = runner('na')
    partner = next(n for n in five if n != cut)
    minority = [cut, partner]
    majority = [n for n in five if n not in minority]
    wait_until(lambda: all(c.inspect(n, 'db').get('agreed_nodes') == five for n in five), 30,
               'every node holds the agreed node set')

    split([[n[1:] for n in minority], [n[1:] for n in majority]])
    split_at = time.monotonic()
    stopped_at = started_at = None
    while time.monotonic() - split_at < 90:
        running = tasks_running(4242)
        assert running <= 1, f'db runs {running} times {time.monotonic() - split_at:.1f} s into the split'
        mine = [r for r in ps(c, cut, 'db') if r['node'] == cut and r['state'] in UP]
        if stopped_at is None and not mine:
            stopped_at = time.monotonic() - split_at
        theirs = runner(majority[0])
        if theirs in majority and running == 1:
            started_at = time.monotonic() - split_at
            break
        time.sleep(0.1)
    assert stopped_at is not None and started_at is not None, (stopped_at, started_at)
    for n in minority:
        waiting = [r['error'] for r in ps(c, n, 'db') if r['state'] == 'pending']
        assert waiting and waiting[0] == 'waiting: minority side, 2 of 5 nodes seen', ps(c, n, 'db')
    for _ in range(20):  # the majority keeps it; the minority starts nothing
        assert tasks_running(4242) == 1
        time.sleep(0.1)

    heal_split()
    wait_until(lambda: all(alive(c, n) == five for n in five), 90, 'the split healed: all alive everywhere')
    wait_until(lambda: all(runner(n) for n in five) and len({runner(n) for n in five}) == 1 and
               tasks_running(4242) == 1, 60, 'db runs exactly once after the heal')
    print(f'{cut} and {partner} cut off from {",".join(majority)}: db stopped on {cut} {stopped_at:.1f} s into '
          f'the split (isolation timeout 2 s), started on {runner(majority[0])} {started_at:.1f} s in '
          f'(detection + 2 s + 15 s margin); never twice; once after the heal')


def start_agents(c):
    """One agent per host namespace, joined through host a; no overlay: this is about the state."""
    c.start_host('a', network=())
    for host in 'bcde':
        c.start_host(host, 'a', network=())
    wait_until(lambda: all(alive(c, n) == NODES for n in NODES), 60, 'five agents alive')


if __name__ == '__main__':
    run_in_topology(sys.argv, globals(), start_agents)
