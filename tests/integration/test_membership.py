#!/usr/bin/env python3
"""Integration tests: real `shoal agent` processes on loopback.
Usage: test_membership.py SHOAL_BINARY SCENARIO"""
import json, os, re, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import free_port, run_scenarios_main, wait_until

def all_see(c, names, status_of):
    return all(all(c.status_map(n).get(m) == s for m, s in status_of.items()) for n in names)

def join_and_converge(c):
    c.start('n1'); c.start('n2', join=['n1']); c.start('n3', join=['n1'])
    wait_until(lambda: all_see(c, ['n1', 'n2', 'n3'], {'n1': 'alive', 'n2': 'alive', 'n3': 'alive'}), 60, 'all alive')

def scenario_join(c):
    join_and_converge(c)
    m = c.members('n2')
    assert [x['name'] for x in m] == ['n1', 'n2', 'n3'], m
    assert all(x['addr'].startswith('127.0.0.1:') for x in m)
    table = c.run_cli('members', api=c.agents['n3']['api'])
    assert table.splitlines()[0].split() == ['NAME', 'ADDR', 'STATUS', 'CLOCK', 'LABELS'], table
    # every peer's clock offset gets measured (probe round trips), ours is not
    wait_until(lambda: all(x['clock_offset_ms'] is not None for x in c.members('n2') if x['name'] != 'n2'), 30, 'offsets')
    assert all(abs(x['clock_offset_ms']) < 1000 for x in c.members('n2') if x['name'] != 'n2'), c.members('n2')

def scenario_kill_marks_failed(c):
    join_and_converge(c)
    c.kill('n3')
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n3': 'failed'}), 60, 'n3 failed everywhere')
    out = c.run_cli('members', '--status', 'failed', '--format', 'json', api=c.agents['n1']['api'])
    assert [x['name'] for x in json.loads(out)] == ['n3'], out

def scenario_sigterm_is_left(c):
    join_and_converge(c)
    c.kill('n2', signal.SIGTERM)
    c.agents['n2']['proc'].wait(30)
    wait_until(lambda: all_see(c, ['n1', 'n3'], {'n2': 'left'}), 60, 'n2 left everywhere')

def scenario_leave_after_failure(c):
    # regression: a leave with a failed peer in the view must still reach the live ones
    join_and_converge(c)
    c.kill('n3')
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n3': 'failed'}), 60, 'n3 failed')
    c.kill('n2', signal.SIGTERM)
    c.agents['n2']['proc'].wait(30)
    wait_until(lambda: all_see(c, ['n1'], {'n2': 'left', 'n3': 'failed'}), 60, 'n2 left on n1')

def scenario_restart_rejoins(c):
    join_and_converge(c)
    c.kill('n3')
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n3': 'failed'}), 60, 'n3 failed')
    c.restart('n3')
    wait_until(lambda: all_see(c, ['n1', 'n2', 'n3'], {'n3': 'alive'}), 60, 'n3 alive again')

def scenario_groups_merge_through_late_seed(c):
    # Issue 13 (Serf's gravitational/gravity#2100): join retries stopped once any peer was
    # alive. Group B's only link to group A is b1's seed, a1's address, and a1 is down while B
    # forms: B has a live peer long before a1 exists, yet must keep retrying a1 and merge.
    a1_port = free_port()
    c.start('b1', join=[f'127.0.0.1:{a1_port}'])
    c.start('b2', join=['b1'])
    wait_until(lambda: all_see(c, ['b1', 'b2'], {'b1': 'alive', 'b2': 'alive'}), 60, 'group B formed')
    time.sleep(5)  # past the first retries: before the fix they had stopped by now
    c.start('a1', port=a1_port)
    c.start('a2', join=['a1'])
    everyone = {n: 'alive' for n in ['a1', 'a2', 'b1', 'b2']}
    wait_until(lambda: all_see(c, list(everyone), everyone), 60, 'one 4-node view')

def scenario_remembered_peers_rejoin(c):
    # Nodes restarted without --join find each other through the peers they remembered.
    c.start('n1'); c.start('n2', join=['n1'])
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n1': 'alive', 'n2': 'alive'}), 60, 'n1 and n2 alive')
    addr = {n: f'127.0.0.1:{c.agents[n]["port"]}' for n in ['n1', 'n2']}
    peers = lambda n: open(os.path.join(c.dir, n, 'peers')).read().split()
    wait_until(lambda: peers('n1') == [addr['n2']] and peers('n2') == [addr['n1']], 30, 'peers files')
    for n in ['n1', 'n2']: c.kill(n)
    c.restart('n1')  # started without --join
    c.start('n2', port=c.agents['n2']['port'])  # now without --join too
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n1': 'alive', 'n2': 'alive'}), 60, 'n1 and n2 together again')

def scenario_wrong_key_cannot_join(c):
    c.start('n1'); c.start('n2', join=['n1'])
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n1': 'alive', 'n2': 'alive'}), 60, 'pair alive')
    other = c.run_cli('keygen').strip()
    c.start('intruder', join=['n1'], key=other)
    def n1_info():
        return json.loads(c.run_cli('agent', 'info', '--format', 'json', api=c.agents['n1']['api']))
    # The intruder's join attempts reach n1 (and are dropped) once it is up; under ASan on a busy
    # machine the first one can come later than 3 s after its start.
    try:
        wait_until(lambda: n1_info()['counters']['dropped']['unknown_key'] > 0, 30, 'n1 drops the intruder')
    except AssertionError:
        raise AssertionError(n1_info())
    time.sleep(3)  # the intruder keeps retrying: a join getting through would show by now
    assert 'intruder' not in c.status_map('n1'), c.status_map('n1')
    assert set(c.status_map('intruder')) == {'intruder'}, c.status_map('intruder')

def scenario_garbage_is_counted(c):
    import socket
    c.start('n1')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for payload in [b'', b'x', b'\x01' * 60, os.urandom(200), b'\x01\x00\x00\x00\x00' + os.urandom(100)]:
        s.sendto(payload, ('127.0.0.1', c.agents['n1']['port']))
    t = socket.create_connection(('127.0.0.1', c.agents['n1']['port']))
    t.sendall(b'\x00\x00\x00\x10' + os.urandom(16)); t.close()
    def dropped():
        info = json.loads(c.run_cli('agent', 'info', '--format', 'json', api=c.agents['n1']['api']))
        return sum(info['counters']['dropped'].values())
    wait_until(lambda: dropped() >= 5, 30, 'drops counted')
    assert c.ping('n1')

def scenario_key_rotation(c):
    join_and_converge(c)
    new = c.run_cli('keygen').strip()
    c.run_cli('keys', 'install', new, api=c.agents['n1']['api'])
    wait_until(lambda: all(new in c.run_cli('keys', 'list', api=c.agents[n]['api']) for n in ['n1', 'n2', 'n3']), 60, 'installed everywhere')
    c.run_cli('keys', 'use', new, api=c.agents['n2']['api'])
    def primary(n):
        return [k['key'] for k in json.loads(c.run_cli('keys', 'list', '--format', 'json', api=c.agents[n]['api'])) if k['primary']]
    wait_until(lambda: all(primary(n) == [new] for n in ['n1', 'n2', 'n3']), 60, 'new key primary everywhere')
    c.run_cli('keys', 'remove', c.key, api=c.agents['n3']['api'])
    wait_until(lambda: all(c.key not in c.run_cli('keys', 'list', api=c.agents[n]['api']) for n in ['n1', 'n2', 'n3']), 60, 'old key removed')
    # the cluster still works on the new key, and a node with only the old key is shut out
    c.kill('n3')
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n3': 'failed'}), 60, 'n3 failed after rotation')
    p = c.run_cli('keys', 'remove', new, api=c.agents['n1']['api'], check=False)
    assert p.returncode != 0 and 'primary' in p.stderr, p

def scenario_api_token(c):
    port = __import__('cluster').free_port()
    tok = os.path.join(c.dir, 'token'); open(tok, 'w').write('s3cret\n')
    c.start('n1', extra=['--api', f'127.0.0.1:{port}', '--api-token-file', tok])  # last --api wins
    api = f'127.0.0.1:{port}'
    wait_until(lambda: subprocess.run([c.shoal, 'members', '--api', api], env=dict(os.environ, SHOAL_TOKEN='s3cret'),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE).returncode == 0, 30, 'tcp api up')
    bad = subprocess.run([c.shoal, 'members', '--api', api], env=dict(os.environ, SHOAL_TOKEN='nope'),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert bad.returncode != 0 and 'token' in bad.stderr, bad
    assert 'refused' in open(c.agents['n1']['log']).read()

def scenario_cli_errors(c):
    c.start('n1')
    api = c.agents['n1']['api']
    for args, needle in [(['members', '--status', 'zombie'], '--status'),
                         (['members', '--format', 'xml'], '--format'),
                         (['members', '--bogus'], 'unknown flag'),
                         (['frobnicate'], 'unknown command'),
                         (['keys', 'install', 'notakey'], 'base64')]:
        p = c.run_cli(*args, api=api, check=False)
        assert p.returncode != 0, (args, p)
        assert needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, (args, p.stderr)
    for args, needle in [(['agent', '--bind', '127.0.0.1:1'], '--name'),
                         (['agent', '--name', 'x', '--bind', 'nope', '--key', c.key], 'IP:PORT'),
                         (['agent', '--name', 'x', '--bind', '127.0.0.1:7', '--memory', '12Q', '--key', c.key], '--memory'),
                         (['agent', '--name', 'x', '--bind', '127.0.0.1:7'], 'key'),
                         (['members', '--api', os.path.join(c.dir, 'nobody.sock')], 'agent')]:
        p = c.run_cli(*args, check=False)
        assert p.returncode != 0 and needle in p.stderr, (args, p.stderr)
    mode = os.stat(api).st_mode & 0o777
    assert mode == 0o600, oct(mode)

def help_commands(c):
    """(path, [(flag, takes_value)]) for every command `shoal help` lists, from its --help."""
    out = c.run_cli('help')
    paths = [line.split('  ')[1] for line in out.split('commands:\n')[1].split('\n\n')[0].splitlines()]
    commands = []
    for path in paths:
        text = c.run_cli(*path.split(), '--help')
        assert text.startswith('usage: shoal ' + path), (path, text)
        flags = []
        if '\noptions:\n' in text:
            for line in text.split('\noptions:\n')[1].split('\n\n')[0].splitlines():
                # "  --flag VALUE  text" (a switch has no VALUE), or "  --flag VALUE" alone when the
                # text goes on the next line (indented further; skipped here).
                m = re.match(r'  (--\S+)( \S+)?(  |$)', line)
                if m: flags.append((m.group(1), m.group(2) is not None))
                else: assert line.startswith('      '), (path, line)
        commands.append((path, flags))
    return commands

def scenario_cli_help(c):
    # Offline: no agent at the address, and still every command explains itself.
    nobody = os.path.join(c.dir, 'nobody.sock')
    text = c.run_cli('service', 'create', '--help', api=nobody)
    for needle in ('usage: shoal service create [OPTIONS] IMAGE', '--replicas N', '(default 1)',
                   '--update-order stop-first|start-first', 'example:\n  shoal service create'):
        assert needle in text, (needle, text)
    assert re.fullmatch(r'shoal \d+\.\d+\.\d+\n', c.run_cli('--version')), c.run_cli('--version')
    assert 'service create' in c.run_cli('service', '--help', api=nobody)
    p = c.run_cli('help', 'frobnicate', check=False)
    assert p.returncode == 2 and 'unknown command' in p.stderr, p
    # The man page renders without a troff warning.
    man = c.run_cli('help', '--man')
    r = subprocess.run(['groff', '-man', '-Tutf8', '-ww', '-z'], input=man, text=True, capture_output=True)
    assert r.returncode == 0 and r.stderr == '', r.stderr
    # Completion: commands, subcommands, flags, and service names from the running agent.
    script = os.path.join(c.dir, 'completion.bash')
    open(script, 'w').write(c.run_cli('completion', 'bash'))
    c.start('n1')
    api = c.agents['n1']['api']
    c.run_cli('service', 'create', '--name', 'web', '--detach', '--', 'sleep', '1000', api=api)
    def complete(*words):
        line = ' '.join(words)
        env = dict(os.environ, PATH=os.path.dirname(c.shoal) + ':' + os.environ['PATH'], SHOAL_API=api)
        r = subprocess.run(['bash', '-c', f'source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
                            '_shoal; echo "${COMPREPLY[*]}"'], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()
    assert complete('shoal', 'serv') == ['service'], complete('shoal', 'serv')
    assert complete('shoal', 'service', 'cr') == ['create']
    assert '--replicas' in complete('shoal', 'service', 'create', '--rep')
    assert complete('shoal', 'service', 'update', 'w') == ['web']
    assert complete('shoal', 'node', 'update', 'n') == ['n1']
    assert complete('shoal', 'agent', '--name', 'n1', '--req') == ['--require-isolation']
    assert complete('shoal', 'members', '--status', 'alive', '--st') == ['--stats', '--status']
    assert complete('shoal', '--api', api, 'service', 'cr') == ['create']
    assert complete('shoal', 'service', 'update', '--image', 'x', 'w') == ['web']  # the value is skipped
    assert complete('shoal', 'service', 'update', 'web', 'w') == []
    # Help and parser agree: the agent knows every documented flag (with or without a value).
    local = {'agent', 'keygen', 'sim', 'completion', 'help'}
    checked = 0
    for path, flags in help_commands(c):
        if path.split()[0] in local:
            continue
        for flag, takes_value in flags:
            if flag == '--follow':
                continue  # the CLI's own: it polls the agent until interrupted
            args = [*path.split(), flag] + (['1'] if takes_value else [])
            if path == 'events' and flag != '--until':
                args += ['--until', '1']  # without it, `events` follows until interrupted
            p = c.run_cli(*args, api=api, check=False)
            assert 'unknown flag' not in p.stderr, (args, p.stderr)
            checked += 1
    assert checked > 60, checked

def scenario_config_file(c):
    """`shoal agent --config FILE`: every flag as a YAML key, flags override, --check-config."""
    key_file = os.path.join(c.dir, 'cluster.key')
    with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
        f.write(c.key + '\n')
    port, api = free_port(), os.path.join(c.dir, 'n1.sock')
    config = os.path.join(c.dir, 'agent.yaml')
    open(config, 'w').write(f"""# a comment
name: n1
bind: 127.0.0.1:{port}
key-file: {key_file}
api: {api}
data-dir: {os.path.join(c.dir, 'n1')}
profile: {c.profile}
label: {{zone: file, disk: ssd}}
join: []
""")
    p = c.run_cli('agent', '--config', config, '--check-config', check=False)
    assert p.returncode == 0 and 'config ok: node n1' in p.stdout, p
    for text, needle in [('name: n1\nprofle: wan\n', "unknown flag '--profle'"),
                         ('name: n1\nbind: [127.0.0.1:1\n', 'bad/agent.yaml:3: not valid YAML'),
                         ('name: n1\nbind: {a: b}\n', 'bad/agent.yaml:2: bind has no value'),
                         ('- name\n', 'map of flag: value')]:
        bad = os.path.join(c.dir, 'bad', 'agent.yaml')
        os.makedirs(os.path.dirname(bad), exist_ok=True)
        open(bad, 'w').write(text)
        p = c.run_cli('agent', '--config', bad, '--check-config', check=False)
        assert p.returncode == 2 and needle in p.stderr, (text, p)
    p = c.run_cli('agent', '--config', os.path.join(c.dir, 'none.yaml'), check=False)
    assert p.returncode == 2 and 'none.yaml' in p.stderr, p
    # The agent runs from the file; --label on the command line overrides the file's labels.
    log = open(os.path.join(c.dir, 'n1.log'), 'a')
    cmd = [c.shoal, 'agent', '--config', config, '--label', 'zone=flag']
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    c.agents['n1'] = dict(proc=proc, port=port, api=api, log=log.name, cmd=cmd)
    wait_until(lambda: c.ping('n1'), 30, 'n1 from its config file')
    [me] = c.members('n1')
    assert me['name'] == 'n1' and me['labels'] == {'zone': 'flag'}, me
    # The systemd unit in contrib/ is valid (systemd-analyze prints nothing for a clean unit).
    unit = os.path.join(c.dir, 'shoal.service')
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'contrib', 'shoal.service')
    open(unit, 'w').write(open(src).read().replace('/usr/bin/shoal', c.shoal))
    r = subprocess.run(['systemd-analyze', 'verify', unit], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr.strip() == '' and r.stdout.strip() == '', r
    assert 'ExecStartPre=' + c.shoal + ' agent --config /etc/shoal/agent.yaml --check-config' in open(unit).read()

def scenario_log_format_json(c):
    """--log-format json: every line the agent writes is one JSON event; --log-level filters."""
    c.start('n1', extra=['--log-format', 'json'])
    c.start('n2', join=['n1'], extra=['--log-level', 'warn'])
    wait_until(lambda: c.status_map('n1').get('n2') == 'alive', 30, 'n2 joins')
    c.kill('n1', signal.SIGTERM)  # "leaving the cluster", then exit
    c.agents['n1']['proc'].wait(30)
    lines = open(c.agents['n1']['log']).read().splitlines()
    events = [json.loads(line) for line in lines]  # a line that is not JSON fails here
    assert all(set(e) == {'time', 'level', 'node', 'msg'} and e['node'] == 'n1' for e in events), events
    assert any('listening on' in e['msg'] and e['level'] == 'info' for e in events), events
    assert any(e['msg'] == 'leaving the cluster' for e in events), events
    assert all(re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z', e['time']) for e in events), events
    # n2 logs warnings and errors only: its start line (info) is not there.
    assert 'listening on' not in open(c.agents['n2']['log']).read()
    p = c.run_cli('agent', '--name', 'x', '--bind', '127.0.0.1:7', '--key', c.key, '--log-level', 'loud', check=False)
    assert p.returncode == 2 and '--log-level' in p.stderr, p

def scenario_service_notify(c):
    """Under systemd (Type=notify) the agent says READY=1 once it listens, STOPPING=1 on SIGTERM."""
    import socket as so
    path = os.path.join(c.dir, 'notify.sock')
    manager = so.socket(so.AF_UNIX, so.SOCK_DGRAM)
    manager.bind(path)
    manager.settimeout(30)
    c.start('n1', env=dict(os.environ, NOTIFY_SOCKET=path))
    assert manager.recv(4096) == b'READY=1'
    assert c.ping('n1')  # ready means the API answers
    c.kill('n1', signal.SIGTERM)
    assert manager.recv(4096) == b'STOPPING=1'
    assert c.agents['n1']['proc'].wait(30) == 0
    # A bad NOTIFY_SOCKET is a warning, not a failure to start.
    c.start('n2', env=dict(os.environ, NOTIFY_SOCKET='relative/path'))
    assert c.ping('n2')
    wait_until(lambda: 'not a socket path' in open(c.agents['n2']['log']).read(), 30, 'the warning')

FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'  # Debian package faketime

def skewed_env(faketime):
    """Environment that shifts only the agent's wall clock (its monotonic clock stays true)."""
    if not os.path.exists(FAKETIME_LIB):
        raise RuntimeError(f'{FAKETIME_LIB} missing: run scripts/deps.sh (package faketime)')
    # libfaketime also rewrites timerfd_settime (Asio's timers); the passthrough, preloaded
    # first, keeps timers on the true monotonic clock (tests/integration/faketime_timerfd_passthrough.c).
    passthrough = os.environ.get('SHOAL_TIMERFD_PASSTHROUGH')
    if not passthrough or not os.path.exists(passthrough):
        raise RuntimeError('SHOAL_TIMERFD_PASSTHROUGH does not name the built passthrough module: run through meson')
    # Under ASan the sanitizer's runtime must come first; these two preloads are not instrumented.
    asan = ':'.join(x for x in (os.environ.get('ASAN_OPTIONS', ''), 'verify_asan_link_order=0') if x)
    return dict(os.environ, LD_PRELOAD=f'{passthrough} {FAKETIME_LIB}', FAKETIME=faketime,
                FAKETIME_DONT_FAKE_MONOTONIC='1', ASAN_OPTIONS=asan)

def services(c, name):
    return {s['name'] for s in json.loads(c.run_cli('service', 'ls', '--format', 'json', api=c.agents[name]['api']))}

def clock_skew_joins(c, faketime, expect_offset_s):
    """A normal 2-node cluster; a third agent whose wall clock is shifted by `faketime` joins it,
    both sides warn about the offset, and a service written on either side reaches the other."""
    c.start('n1'); c.start('n2', join=['n1'])
    wait_until(lambda: all_see(c, ['n1', 'n2'], {'n1': 'alive', 'n2': 'alive'}), 60, 'pair alive')
    t0 = time.time()
    c.start('skewed', join=['n1'], env=skewed_env(faketime))
    everyone = {'n1': 'alive', 'n2': 'alive', 'skewed': 'alive'}
    try:
        wait_until(lambda: all_see(c, ['n1', 'n2', 'skewed'], everyone), 60, 'skewed node joined')
    except AssertionError:
        info = c.run_cli('agent', 'info', '--format', 'json', api=c.agents['n1']['api'])
        raise AssertionError(f'skewed node did not join; n1 counters: {info}')
    print(f'join time with FAKETIME={faketime}: {time.time() - t0:.2f} s', flush=True)
    # both sides measure the offset and log a warning naming the peer
    def offset_of(observer, peer):
        return next(m['clock_offset_ms'] for m in c.members(observer) if m['name'] == peer)
    try:
        wait_until(lambda: offset_of('n1', 'skewed') is not None and offset_of('skewed', 'n1') is not None, 30, 'offsets')
    except AssertionError:
        counters = {n: json.loads(c.run_cli('agent', 'info', '--format', 'json', api=c.agents[n]['api']))['counters']
                    for n in ['n1', 'n2', 'skewed']}
        raise AssertionError(f'offsets not measured: n1 sees {c.members("n1")}; skewed sees {c.members("skewed")}; '
                             f'counters {counters}')
    wait_until(lambda: abs(offset_of('n1', 'skewed') / 1000 - expect_offset_s) < 60, 30, 'offset estimate')
    assert abs(offset_of('skewed', 'n1') / 1000 + expect_offset_s) < 60, c.members('skewed')
    wait_until(lambda: 'member skewed clock offset' in open(c.agents['n1']['log']).read(), 30, 'warning on n1')
    wait_until(lambda: 'member n1 clock offset' in open(c.agents['skewed']['log']).read(), 30, 'warning on skewed')
    # writes cross in both directions (replicas 0: no task to run, only the desired state)
    c.run_cli('service', 'create', '--name', 'from-skewed', '--replicas', '0', '--', 'sleep', '1000',
              api=c.agents['skewed']['api'])
    c.run_cli('service', 'create', '--name', 'from-n2', '--replicas', '0', '--', 'sleep', '1000',
              api=c.agents['n2']['api'])
    wait_until(lambda: {'from-skewed', 'from-n2'} <= services(c, 'n1'), 30, 'both writes on n1')
    wait_until(lambda: {'from-skewed', 'from-n2'} <= services(c, 'skewed'), 30, 'both writes on skewed')
    time.sleep(3)  # and the skewed node stays alive everywhere
    assert all_see(c, ['n1', 'n2', 'skewed'], everyone)

def scenario_clock_ahead_5min(c):
    clock_skew_joins(c, '+300', 300)

def scenario_clock_ahead_1year(c):
    clock_skew_joins(c, '+31536000', 31536000)

def scenario_clock_at_1970(c):
    clock_skew_joins(c, '@1970-01-01 00:00:10', -(time.time() - 10))

if __name__ == '__main__':
    run_scenarios_main(globals(), sys.argv)
