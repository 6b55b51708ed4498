#!/usr/bin/env python3
"""`shoal events`: a follower sees members, services, node availability and tasks as they
happen on another node's write; the history survives a restart (--since); filters and times
as docker events takes them; mistakes are clear errors.
Usage: test_events.py SHOAL SCENARIO"""
import json, os, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import wait_until
from test_workload import run_scenario

class Follower:
    """`shoal events ARGS` running in the background, its lines collected as they come."""
    def __init__(self, c, api, *args):
        self.proc = subprocess.Popen([c.shoal, '--api', api, 'events', *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def wait_for(self, needle, what):
        wait_until(lambda: any(needle in l for l in self.lines), 30, what)

    def stop(self):
        self.proc.kill()
        self.proc.wait(5)

def history(c, api, *args):
    out = c.run_cli('events', '--since', '0', '--until', '0s', '--format', 'json', *args, api=api)
    return [json.loads(l) for l in out.splitlines()]

def scenario_follow_and_resume(c):
    c.start('n1')
    c.start('n2', join=['n1'])
    api1, api2 = c.agents['n1']['api'], c.agents['n2']['api']
    wait_until(lambda: any(e['name'] == 'n2' and e['action'] == 'joined' for e in history(c, api1)), 30,
               'n1 saw n2 join')

    # A live follower on n1 sees what a write on n2 did, in order, as text lines.
    follow = Follower(c, api1, '--filter', 'type=service', '--filter', 'type=node')
    c.cli('n2', 'service', 'create', '--name', 'web', '--replicas', '2', '--detach', '--', 'sleep', '1000')
    follow.wait_for('service created web', 'the follower saw web created')
    c.cli('n2', 'service', 'scale', 'web=3')
    follow.wait_for('service updated web', 'the follower saw web scaled')
    c.cli('n2', 'node', 'update', '--availability', 'pause', 'n2')
    follow.wait_for('node updated n2 (availability=pause)', 'the follower saw n2 paused')
    follow.stop()
    assert all(' service ' in l or ' node ' in l for l in follow.lines), follow.lines
    line = next(l for l in follow.lines if 'service created web' in l)
    assert line[:4].isdigit() and line[10] == 'T' and 'replicas=2, version=1)' in line, line

    # Tasks: each slot's states, named service.slot with the node that runs it.
    wait_until(lambda: len({e['name'] for e in history(c, api1, '--filter', 'name=web', '--filter', 'type=task')
                            if e['action'] in ('running', 'healthy')}) == 3, 60, 'three live tasks in the events')
    task = next(e for e in history(c, api1, '--filter', 'type=task'))
    assert task['name'].startswith('web.') and task['attributes']['service'] == 'web' and task['attributes']['node'] in ('n1', 'n2'), task

    # A rolling update: every node reports the phases it sees, here up to completed.
    c.cli('n2', 'service', 'update', '--env', 'STAGE=2', '--update-delay', '0s', '--update-monitor', '1s', 'web')
    wait_until(lambda: [e['action'] for e in history(c, api1, '--filter', 'name=web', '--filter', 'type=service')
                        if e['action'].startswith('update_')][-1:] == ['update_completed'], 90,
               'the update of web started and completed in the events')
    phases = [e['action'] for e in history(c, api1, '--filter', 'type=service') if e['action'].startswith('update_')]
    assert phases[0] == 'update_started' and phases[-1] == 'update_completed', phases

    # The history survives a restart, and seq goes on after it.
    before = history(c, api1)
    c.kill('n1')
    c.restart('n1')
    after = history(c, api1)
    assert after[:len(before)] == before, (before[-3:], after[:3])
    c.cli('n2', 'service', 'rm', 'web')
    wait_until(lambda: any(e['action'] == 'removed' for e in history(c, api1, '--filter', 'type=service')), 30,
               'n1 saw web removed after its restart')
    seqs = [e['seq'] for e in history(c, api1)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs

    # --since/--until bound the answer; a failed member is an event.
    mid = history(c, api1)[-1]['time_ms'] / 1000
    assert all(e['time_ms'] >= mid * 1000 for e in history(c, api1, '--since', f'{mid:.3f}'))
    early = c.run_cli('events', '--since', '0', '--until', '2000-01-01', api=api1)
    assert early == '', early
    c.kill('n2')
    wait_until(lambda: any(e['name'] == 'n2' and e['action'] == 'failed' for e in history(c, api1, '--filter', 'type=member')),
               60, 'n1 saw n2 fail')

    # Mistakes: clear errors, exit 2.
    for args, needle in [(['--filter', 'type=container'], 'member, node, service or task'),
                         (['--since', 'yesterday'], 'RFC 3339'), (['--filter', 'label'], 'KEY=VALUE')]:
        p = c.run_cli('events', *args, '--until', '0s', api=api1, check=False)
        assert p.returncode == 2 and needle in p.stderr, (args, p)

def scenario_follower_is_told(c):
    """The follower does not poll: the agent holds its question until an event it wants is
    recorded (or 5 s pass). Counted by the agent's own metrics: an idle follower asks about
    once in 5 s (polling every 250 ms asked 12 times in 3 s), and a write reaches it."""
    import re, urllib.request
    from cluster import free_port
    port = free_port()
    c.start('n1', extra=['--metrics-addr', f'127.0.0.1:{port}'])
    api1 = c.agents['n1']['api']
    def asked():
        text = urllib.request.urlopen(f'http://127.0.0.1:{port}/metrics', timeout=5).read().decode()
        m = re.search(r'^shoal_api_requests_total\{verb="events"\} (\d+)', text, re.M)
        return int(m.group(1)) if m else 0
    follow = Follower(c, api1, '--filter', 'type=service')
    wait_until(lambda: asked() >= 1, 10, 'the follower asked')
    time.sleep(3)
    idle = asked()
    assert idle <= 2, f'an idle follower asked {idle} times in 3 s'
    c.cli('n1', 'service', 'create', '--name', 'web', '--replicas', '0', '--detach', '--', 'true')
    follow.wait_for('service created web', 'the follower was told of web')
    follow.stop()
    assert asked() <= idle + 2, (idle, asked())


def scenario_partition_marks(c):
    """A node cut off (here: killed) makes the others' views partial: `partition_suspected`
    names it; when it is back, `partition_healed` says who came back and after how long."""
    c.start('n1')
    c.start('n2', join=['n1'])
    c.start('n3', join=['n1'])
    api1 = c.agents['n1']['api']
    def marks():
        return [e for e in history(c, api1, '--filter', 'type=member') if e['action'].startswith('partition_')]
    wait_until(lambda: sum(e['action'] == 'joined' for e in history(c, api1)) >= 2, 30, 'n1 saw both join')
    assert marks() == [], marks()
    c.kill('n3')
    wait_until(lambda: [e['action'] for e in marks()] == ['partition_suspected'], 30, 'n1 suspects a partition')
    split = marks()[0]
    assert split['name'] == 'n1' and split['attributes']['unreachable'] == 'n3', split
    assert split['attributes']['reachable'] == '2' and split['attributes']['members'] == '3', split
    c.restart('n3')
    # On a loaded machine n3 may flap (suspected again, refuted) after it is back: each flap is
    # a true pair of marks, so read the first heal, not an exact list.
    wait_until(lambda: [e['action'] for e in marks()][:2] == ['partition_suspected', 'partition_healed'], 60,
               'n1 sees the partition healed')
    heal = marks()[1]
    assert heal['attributes']['back'] == 'n3' and int(heal['attributes']['duration_ms']) > 0, heal
    text = c.run_cli('events', '--since', '0', '--until', '0s', '--filter', 'type=member', api=api1)
    assert 'partition_healed' in text, text


def scenario_unreadable_history(c):
    """An events file that cannot be read is moved aside: the agent starts, with a new history."""
    data = os.path.join(c.dir, 'n1')
    os.makedirs(os.path.join(data, 'events', 'not-a-file'))  # a directory where the file goes
    c.start('n1')
    api = c.agents['n1']['api']
    c.cli('n1', 'service', 'create', '--name', 'web', '--detach', '--', 'sleep', '1000')
    wait_until(lambda: any(e['name'] == 'web' for e in history(c, api)), 30, 'the new history has web')
    assert os.path.isdir(os.path.join(data, 'events.unreadable'))
    log = open(c.agents['n1']['log']).read()
    assert 'moved to' in log and 'a new event history starts' in log, log[-2000:]

if __name__ == '__main__':
    run_scenario(globals(), sys.argv)
