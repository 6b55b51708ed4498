#!/usr/bin/env python3
"""Partition semantics end to end (issue 14): three hosts in network namespaces the test makes
(the dataplane tests' topology), one agent each. Host c's link to the switch goes down: a 2|1
split. Each side writes to the same service while apart; the link comes back.
Usage: test_partition.py SHOAL_BINARY SCENARIO

field_merge_across_partition: the a|b side changes the task template (--env) and a label, the c
side scales and writes the same label later. After the heal every node has all three changes
(different fields both survive), the label c wrote last wins, `service history` on every node
shows the discarded label write with who wrote it, and `events` reports the conflict. Timeouts
only keep a failure from hanging."""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import wait_until
from test_dataplane import HOSTS, PREFIX, run_in_topology, sh

NODES = ['na', 'nb', 'nc']
SWITCH_PORT = {host: f'p{i}' for i, host in enumerate(HOSTS)}  # veth ends on the switch's bridge


def link(host, state):
    sh('ip', '-n', f'{PREFIX}-sw', 'link', 'set', SWITCH_PORT[host], state)


def alive(c, node):
    return sorted(n for n, s in c.status_map(node).items() if s == 'alive')


def web(c, node):
    return c.inspect(node, 'web')


def history(c, node):
    return json.loads(c.cli(node, 'service', 'history', 'web', '--format', 'json'))


def scenario_field_merge_across_partition(c):
    c.cli('na', 'service', 'create', '--name', 'web', '--replicas', '2', '--detach', '--', 'sleep', '1000')
    wait_until(lambda: all('web' in c.ls(n) for n in NODES), 30, 'every node has web')

    link('c', 'down')
    wait_until(lambda: alive(c, 'na') == ['na', 'nb'] and alive(c, 'nc') == ['nc'], 60, 'a 2|1 split seen by both sides')
    c.cli('na', 'service', 'update', '--detach', '--env', 'COLOR=blue', '--label-add', 'owner=side-ab', 'web')
    c.cli('nc', 'service', 'scale', '--detach', 'web=3')
    c.cli('nc', 'service', 'update', '--detach', '--label-add', 'owner=side-c', 'web')  # later: wins the label
    assert web(c, 'nb')['spec']['task']['env'] == {'COLOR': 'blue'}, web(c, 'nb')
    assert web(c, 'nc')['spec']['replicas'] == 3 and web(c, 'nc')['spec']['task']['env'] == {}, web(c, 'nc')

    link('c', 'up')
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
    print(f'healed: replicas=3 from nc, COLOR=blue from na, label from nc; versions {versions}; '
          f'conflict journaled on {len(NODES)} nodes')


def start_agents(c):
    """One agent per host namespace, joined through host a; no overlay: this is about the state."""
    c.start_host('a', network=())
    c.start_host('b', 'a', network=())
    c.start_host('c', 'a', network=())
    wait_until(lambda: all(alive(c, n) == NODES for n in NODES), 60, 'three agents alive')


if __name__ == '__main__':
    run_in_topology(sys.argv, globals(), start_agents)
