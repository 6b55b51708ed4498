#!/usr/bin/env python3
"""Integration tests of issue 13's hardening (tasks, logs, bounded input, CLI): real agents on
loopback, real task processes, real floods of connections.
Usage: test_hardening.py SHOAL_BINARY SCENARIO

Every scenario reproduces a bug seen on the code before the fix and fails there. Figures
(RSS, disk use) are printed on stdout for the closing note."""
import json, os, resource, signal, socket, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import free_port, wait_until
from test_workload import Skip, run_scenario


def rss_kb(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise RuntimeError(f'no VmRSS for {pid}')


def cpu_s(pid):
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def starts(path):
    try:
        return len(open(path).read().splitlines())
    except OSError:
        return 0


# 1. Restart policy: a task that exits 0 is not relaunched by on-failure nor by none (it was,
# 34 and 187 times in 6 s); on-failure with max attempts restarts a failing task exactly that
# often. `service ps` shows the completed tasks as shutdown.
def scenario_restart_policy(c):
    c.start('n1')
    cases = {  # service: (condition, exit code, max attempts, expected starts)
        'okfail': ('on-failure', 0, None, 1),
        'oknone': ('none', 0, None, 1),
        'badnone': ('none', 3, None, 1),
        'badfail': ('on-failure', 3, 2, 3),
    }
    for name, (cond, code, attempts, _) in cases.items():
        count = os.path.join(c.dir, name + '.starts')
        args = ['service', 'create', '--name', name, '--detach', '--restart-condition', cond,
                '--restart-delay', '100ms']
        if attempts is not None:
            args += ['--restart-max-attempts', str(attempts)]
        c.cli('n1', *args, '--', 'sh', '-c', f'echo start >> {count}; exit {code}')
    wait_until(lambda: all(starts(os.path.join(c.dir, n + '.starts')) >= 1 for n in cases), 30, 'every task started')
    time.sleep(6)  # the bug relaunched within milliseconds; 6 s is what the issue watched
    got = {n: starts(os.path.join(c.dir, n + '.starts')) for n in cases}
    want = {n: v[3] for n, v in cases.items()}
    print('starts per service after 6 s:', got)
    assert got == want, (got, want)
    for name in ('okfail', 'oknone'):
        rows = c.ps('n1', name)
        assert rows and all(r['state'] == 'shutdown' for r in rows), (name, rows)
    for name in ('badnone', 'badfail'):
        rows = c.ps('n1', name)
        assert rows and all(r['state'] == 'failed' for r in rows), (name, rows)


# 1b. --restart-window: with max attempts 2 in a 2 s window, a task that fails twice at once is
# restarted twice, and once its next failure comes after the window, again; the same task
# without a window gives up after 2 restarts (3 starts). The first two runs exit at once, the
# third runs 2.5 s, so its failure falls outside the window of the first two restarts.
def scenario_restart_window(c):
    c.start('n1')
    for name, window in (('win', ['--restart-window', '2s']), ('nowin', [])):
        log = os.path.join(c.dir, name + '.starts')
        script = (f'n=$(cat {log} 2>/dev/null | wc -l); date +%s.%N >> {log}; '
                  f'if [ "$n" -ge 2 ]; then sleep 2.5; fi; exit 3')
        c.cli('n1', 'service', 'create', '--name', name, '--detach', '--restart-condition', 'on-failure',
              '--restart-max-attempts', '2', '--restart-delay', '100ms', *window, '--', 'sh', '-c', script)
    restart = c.inspect('n1', 'win')['spec']['restart']
    assert restart['window_ms'] == 2000 and restart['max_attempts'] == 2, restart
    assert c.inspect('n1', 'nowin')['spec']['restart']['window_ms'] == 0
    win_log = os.path.join(c.dir, 'win.starts')
    wait_until(lambda: starts(win_log) >= 4, 30, 'win restarted after its window passed')
    t = [float(x) for x in open(win_log).read().split()]
    print('win start offsets (s):', [round(x - t[0], 2) for x in t])
    assert t[2] - t[0] < 2.0, 'the first two restarts came within the first window'
    assert t[3] - t[1] >= 2.0, 'the third restart came only after the window passed'
    time.sleep(2)  # nowin's third run (2.5 s) has ended and its exit was decided by now
    got = starts(os.path.join(c.dir, 'nowin.starts'))
    assert got == 3, f'without a window the task gives up after 2 restarts, started {got} times'
    rows = c.ps('n1', 'nowin')
    assert rows and all(r['state'] == 'failed' for r in rows), rows


# 2. Nothing after `--` is the CLI's: `--api` there belongs to the task.
def scenario_cli_dashdash(c):
    c.start('n1')
    c.cli('n1', 'service', 'create', '--name', 'tool', '--detach', '--', 'sleep', '1000', '--api',
          os.path.join(c.dir, 'nowhere.sock'), '--port', '80')
    spec = c.inspect('n1', 'tool')
    assert '--api' in json.dumps(spec), spec


# 3. Durations are capped with a clear error (99999999999h was stored as 9.5e15 ms).
def scenario_duration_cap(c):
    c.start('n1')
    p = c.cli('n1', 'service', 'create', '--name', 'd', '--detach', '--update-delay', '99999999999h', '--',
              'sleep', '1', check=False)
    assert p.returncode != 0 and 'limit' in p.stderr, (p.returncode, p.stderr)
    assert 'd' not in c.ls('n1')


# 4. The cluster key is in no task process's argv or environment, nor in the agent's argv,
# whether given as --key (discouraged), $SHOAL_KEY or --key-file.
def scenario_key_hidden(c):
    if os.geteuid() != 0:
        raise Skip('needs root: task shims exist only with namespaces')
    key_file = os.path.join(c.dir, 'cluster.key')
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, (c.key + '\n').encode()); os.close(fd)
    c.start('n1')                                                           # --key on argv
    start_agent(c, 'n2', key_args=[], env={'SHOAL_KEY': c.key}, join='n1')  # environment
    start_agent(c, 'n3', key_args=['--key-file', key_file], join='n1')      # file
    wait_until(lambda: sorted(n for n, s in c.status_map('n1').items() if s == 'alive') == ['n1', 'n2', 'n3'],
               60, 'three agents alive')
    c.cli('n1', 'service', 'create', '--name', 'sleeper', '--mode', 'global', '--detach', '--', 'sleep', '1000')
    wait_until(lambda: all(c.procs(n, ('sleep',)) for n in ('n1', 'n2', 'n3')), 60, 'a task on every node')
    key = c.key.encode()
    leaks = []
    for n in ('n1', 'n2', 'n3'):
        pids = c.task_pids(n) | {c.agents[n]['proc'].pid}
        for pid in pids:
            for what in ('cmdline', 'environ'):
                try:
                    if key in open(f'/proc/{pid}/{what}', 'rb').read():
                        leaks.append((n, pid, what, open(f'/proc/{pid}/cmdline', 'rb').read()[:80]))
                except OSError:
                    pass
    assert not leaks, leaks
    # A world-readable key file is refused with the fix.
    os.chmod(key_file, 0o644)
    p = c.run_cli('agent', '--name', 'x', '--bind', f'127.0.0.1:{free_port()}', '--key-file', key_file, check=False)
    assert p.returncode == 2 and 'chmod 600' in p.stderr, p.stderr


def start_agent(c, name, key_args, env=None, join=None, extra=(), preexec=None):
    """Like Cluster.start, with the key given some other way than --key."""
    port = free_port()
    api = os.path.join(c.dir, f'{name}.sock')
    log = open(os.path.join(c.dir, f'{name}.log'), 'a')
    cmd = [c.shoal, 'agent', '--name', name, '--bind', f'127.0.0.1:{port}', *key_args, '--profile', c.profile,
           '--api', api, '--data-dir', os.path.join(c.dir, name), *extra]
    if join:
        cmd += ['--join', f'127.0.0.1:{c.agents[join]["port"]}' if join in c.agents else join]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})),
                            preexec_fn=preexec)
    c.agents[name] = dict(proc=proc, port=port, api=api, log=log.name, cmd=cmd)
    wait_until(lambda: os.path.exists(api) or proc.poll() is not None, 30, f'{name} api socket')
    if proc.poll() is not None:
        raise RuntimeError(f'agent {name} exited {proc.returncode}: {open(log.name).read()[-2000:]}')
    return c.agents[name]


# 5. A node with the wrong key says what to check, naming the seed and the key: the seed
# accepts its TCP join and closes it unanswered, which points at the key; the seed logs that a
# stream failed authentication. A seed that is not there points at the address and firewall.
def scenario_wrong_key_hint(c):
    c.start('n1')
    other = c.run_cli('keygen').strip()
    c.start('n2', join=['n1'], key=other)
    seed = f'127.0.0.1:{c.agents["n1"]["port"]}'
    wait_until(lambda: any(seed in l and 'another cluster key' in l for l in open(c.agents['n2']['log'])), 30,
               'the wrong-key hint in n2 log')
    wait_until(lambda: 'failed authentication' in open(c.agents['n1']['log']).read(), 30, 'the seed says so too')
    nowhere = f'127.0.0.1:{free_port()}'
    c.start('n3', join=[nowhere])
    wait_until(lambda: any(nowhere in l and 'firewall' in l for l in open(c.agents['n3']['log'])), 30,
               'the address hint in n3 log')


def connect_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)  # a full backlog blocks a unix connect
    s.connect(path)
    return s


def connect_tcp(port):
    s = socket.create_connection(('127.0.0.1', port))
    return s


def peak_rss_during(pid, seconds):
    peak = 0
    end = time.time() + seconds
    while time.time() < end:
        peak = max(peak, rss_kb(pid))
        time.sleep(0.05)
    return peak


# 6. Bounded before authenticated: floods of length prefixes without a token (TCP API), huge
# gossip headers from strangers (gossip TCP) and huge headers on the unix socket, and a
# truncated frame; RSS stays below 2x idle and the agent answers afterwards.
def scenario_preauth_floods(c):
    api_port = free_port()
    tok = os.path.join(c.dir, 'token'); open(tok, 'w').write('s3cret\n')
    c.start('n1')
    c.start('n2', join=['n1'], extra=['--api-token-file', tok, '--api', f'127.0.0.1:{api_port}'])  # last --api wins
    # n2 serves TCP only (its --api is TCP): flood n1's unix socket and gossip, n2's TCP API.
    wait_until(lambda: sorted(n for n, s in c.status_map('n1').items() if s == 'alive') == ['n1', 'n2'], 60, 'joined')
    time.sleep(2)
    pids = {n: c.agents[n]['proc'].pid for n in ('n1', 'n2')}
    idle = {n: rss_kb(p) for n, p in pids.items()}
    floods = {
        'tcp-api (n2): 30 x length prefix 16 MiB, no token':
            ('n2', lambda: [connect_tcp(api_port) for _ in range(30)], struct.pack('>I', 16 << 20)),
        'gossip-tcp (n1): 20 x 32 MiB header':
            ('n1', lambda: [connect_tcp(c.agents['n1']['port']) for _ in range(20)], struct.pack('>I', 32 << 20)),
        'unix-api (n1): 20 x 16 MiB header':
            ('n1', lambda: [connect_unix(c.agents['n1']['api']) for _ in range(20)], struct.pack('>I', 16 << 20)),
    }
    figures, bad = {}, []
    for what, (node, open_all, header) in floods.items():
        socks = open_all()
        for s in socks:
            try:
                s.sendall(header)  # the length prefix only, as the flood
            except OSError:
                pass
        peak = peak_rss_during(pids[node], 3)
        for s in socks:
            s.close()
        figures[what] = f'idle {idle[node]} KiB, peak {peak} KiB ({peak / idle[node]:.2f}x)'
        if peak >= 2 * idle[node]:
            bad.append((what, figures[what]))
    # A truncated frame is not held forever: the agent closes it (read timeout 5 s).
    s = connect_unix(c.agents['n1']['api'])
    s.sendall(struct.pack('>I', 100) + b'\x92')
    s.settimeout(15)
    t0 = time.time()
    try:
        closed = s.recv(1) == b''
    except (socket.timeout, ConnectionResetError) as e:
        closed = isinstance(e, ConnectionResetError)
    figures['truncated frame closed after'] = f'{time.time() - t0:.1f} s' if closed else 'never (15 s)'
    if not closed:
        bad.append(('truncated frame held', ''))
    for k, v in figures.items():
        print(f'{k}: {v}')
    # Still answering, both APIs.
    wait_until(lambda: c.ping('n1'), 30, 'n1 answers after the floods')
    p = subprocess.run([c.shoal, 'members', '--api', f'127.0.0.1:{api_port}'], env=dict(os.environ, SHOAL_TOKEN='s3cret'),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert not bad, bad


# 7. Out of descriptors: accept fails with EMFILE; the agent backs off and says so instead of
# spinning at 100% CPU, and serves again once descriptors are free.
def scenario_emfile_backoff(c):
    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    start_agent(c, 'n1', key_args=['--key', c.key], preexec=low_fd_limit)
    pid = c.agents['n1']['proc'].pid
    time.sleep(1)
    socks = []
    for _ in range(120):
        try:
            socks.append(connect_unix(c.agents['n1']['api']))
        except OSError:
            break
    cpu0, t0 = cpu_s(pid), time.time()
    time.sleep(3)
    share = (cpu_s(pid) - cpu0) / (time.time() - t0)
    print(f'agent CPU while out of descriptors: {share * 100:.0f}% of a core')
    for s in socks:
        s.close()
    assert 'accept failed' in open(c.agents['n1']['log']).read(), 'no log line about accept failing'
    assert share < 0.1, f'agent spins: {share * 100:.0f}% CPU'
    wait_until(lambda: c.ping('n1'), 30, 'n1 answers again')


def disk_use(paths):
    total = 0
    for p in paths:
        try:
            total += os.stat(p).st_blocks * 512
        except OSError:
            pass
    return total


def wchar(pid):
    for line in open(f'/proc/{pid}/io'):
        if line.startswith('wchar:'):
            return int(line.split()[1])
    return 0


def watch_log_disk(c, logs, prefix, seconds, writer=None):
    """Peak disk use (allocated blocks) of a service's log files while it runs, and the bytes
    its writer process wrote (from /proc/PID/io) if `writer` names its argv."""
    peak, written = 0, 0
    end = time.time() + seconds
    while time.time() < end:
        files = [os.path.join(logs, f) for f in os.listdir(logs) if f.startswith(prefix)]
        peak = max(peak, disk_use(files))
        if writer:
            for pid in c.procs('n1', writer):
                try: written = max(written, wchar(pid))
                except OSError: pass
        time.sleep(0.02)
    return peak, written


# 8. A chatty task's logs stay within --log-max-size x --log-max-files (it wrote 1.75 GB in 6 s).
# The task's output goes through its log pump (runtime/log_pump.h), the files' only writer,
# which rotates by rename between records: disk use stays within the cap whatever the rate, a
# steady 10 MB/s writer and `yes` at full speed alike. (It was the cap plus what the task wrote
# between two checks while the agent rotated from outside by copy-truncate: ~170 MB for `yes`.)
def scenario_chatty_logs(c):
    c.start('n1', extra=['--log-max-size', '1MiB', '--log-max-files', '2'])
    logs = os.path.join(c.dir, 'n1', 'logs')
    cap = 2 * (1 << 20)  # per stream; stderr stays empty
    line = 'x' * 99
    c.cli('n1', 'service', 'create', '--name', 'steady', '--detach', '--', 'sh', '-c',
          f'while :; do i=0; while [ $i -lt 1000 ]; do echo {line}; i=$((i+1)); done; sleep 0.01; done')
    wait_until(lambda: any(f.startswith('steady') for f in os.listdir(logs)), 30, 'steady logs')
    peak, _ = watch_log_disk(c, logs, 'steady', 6)
    c.cli('n1', 'service', 'rm', 'steady')
    print(f'steady writer: peak log disk use {peak / (1 << 20):.2f} MiB, cap {cap >> 20} MiB')
    assert peak <= cap + (64 << 10), f'steady: {peak} bytes on disk'

    c.cli('n1', 'service', 'create', '--name', 'chatty', '--detach', '--', 'yes', 'a chatty line of a chatty task')
    wait_until(lambda: any(f.startswith('chatty') for f in os.listdir(logs)), 30, 'chatty logs')
    peak, written = watch_log_disk(c, logs, 'chatty', 6, writer=('yes',))
    c.cli('n1', 'service', 'rm', 'chatty')
    print(f'yes at full speed: wrote {written / (1 << 20):.0f} MiB in 6 s, peak log disk use '
          f'{peak / (1 << 20):.2f} MiB (cap {cap >> 20} MiB)')
    assert written > 0 and peak <= cap + (64 << 10), (peak, written)


# 9. `service logs` of a large log: the tail is right, read from the task's node and through a
# peer, in bounded memory; a too-large answer is a clear error, not empty output.
def scenario_large_logs(c):
    c.start('n1', extra=['--label', 'role=big'])
    c.start('n2', join=['n1'])
    wait_until(lambda: sorted(n for n, s in c.status_map('n1').items() if s == 'alive') == ['n1', 'n2'], 60, 'joined')
    c.cli('n1', 'service', 'create', '--name', 'big', '--detach', '--constraint', 'node.labels.role==big', '--',
          'sh', '-c', 'seq 1 1500000; echo done; sleep 1000')
    logs = os.path.join(c.dir, 'n1', 'logs')
    def finished():
        out = c.cli('n1', 'service', 'logs', 'big', '--tail', '1')
        return out.endswith('| done\n')
    wait_until(finished, 60, 'the big task wrote everything')
    pid = c.agents['n1']['proc'].pid
    before = rss_kb(pid)
    for node in ('n1', 'n2'):  # n2 asks n1 over the gossip transport
        out = c.cli(node, 'service', 'logs', 'big', '--tail', '4')
        got = [line.split(' | ', 1)[1] for line in out.splitlines()]
        assert got == ['1499998', '1499999', '1500000', 'done'], (node, out[-300:])
        p = c.cli(node, 'service', 'logs', 'big', check=False)
        assert p.returncode != 0 and '--tail' in p.stderr, (node, p.returncode, p.stderr[-300:], len(p.stdout))
        big = c.cli(node, 'service', 'logs', 'big', '--tail', '100000')
        lines = big.splitlines()
        assert len(lines) == 100000 and lines[-1].endswith('| done') and lines[0].endswith('| 1400002'), \
            (node, lines[:1], lines[-1:])
    after = rss_kb(pid)
    size = sum(os.path.getsize(os.path.join(logs, f)) for f in os.listdir(logs) if f.startswith('big'))
    print(f'large log: {size / (1 << 20):.1f} MiB on disk; agent RSS {before} -> {after} KiB after 6 requests')
    assert after - before < 64 * 1024, (before, after)


# 9b. Task logs carry each line's time (written by the task's log pump, runtime/log_pump.h):
# `service logs` merges nodes by time, --since/--until cut a window, --timestamps shows the
# times, and --follow prints every line once, in order, from every node, although n2's clock is
# 10 minutes behind n1's: each node is asked from its own last line, by its own clock. With one
# cursor for all nodes (n1's times), n2's lines would never show.
def scenario_logs_across_clocks(c):
    from test_membership import skewed_env
    c.start('n1')
    c.start('n2', join=['n1'], env=skewed_env('-10m'))
    wait_until(lambda: sorted(n for n, s in c.status_map('n1').items() if s == 'alive') == ['n1', 'n2'], 60, 'joined')
    c.cli('n1', 'service', 'create', '--name', 'tick', '--mode', 'global', '--detach', '--', 'sh', '-c',
          'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done')
    def sources():
        out = c.cli('n1', 'service', 'logs', 'tick', '--tail', '1')
        return {l.split(' | ')[0].split('@')[1] for l in out.splitlines()}
    wait_until(lambda: sources() == {'n1', 'n2'}, 60, 'both nodes log')

    follow = subprocess.Popen([c.shoal, '--api', c.api('n1'), 'service', 'logs', 'tick', '--follow'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    follow.kill()
    followed, err = follow.communicate(timeout=10)
    counts = {}
    for line in followed.splitlines():
        source, text = line.split(' | ', 1)
        counts.setdefault(source.split('@')[1], []).append(int(text.split()[1]))
    assert set(counts) == {'n1', 'n2'}, (counts.keys(), err)
    for node, seq in counts.items():
        assert seq == list(range(len(seq))), (node, seq[:5], len(seq), 'a line lost, repeated or out of order')
        assert len(seq) > 30, (node, len(seq))  # 4 s of 10 lines/s, on top of what was there

    stamped = c.cli('n1', 'service', 'logs', 'tick', '--timestamps').splitlines()
    times = [l.split(' | ', 1)[1].split(' ', 1)[0] for l in stamped]
    assert times == sorted(times), 'lines merged by time'
    n1_times = [t for l, t in zip(stamped, times) if '@n1 |' in l]
    n2_times = [t for l, t in zip(stamped, times) if '@n2 |' in l]
    assert n2_times and n1_times and n2_times[-1] < n1_times[0], 'n2 stamps by its own clock, 10 minutes behind'
    # A window of n1's lines, given as RFC 3339 times. --since/--until take milliseconds, so the
    # window is [lo, hi] with both ends cut to the millisecond; lines read together share a time
    # (a slow start can stamp several at once), so what is expected comes from the times seen.
    lo, hi = n1_times[5], n1_times[15]
    window = c.cli('n1', 'service', 'logs', 'tick', '--timestamps', '--since', lo, '--until', hi).splitlines()
    got = [l.split(' | ', 1)[1].split(' ', 1)[0] for l in window if '@n1 |' in l]
    lo_ms, hi_ms = lo[:23] + '000000Z', hi[:23] + '000000Z'
    want = [t for t in n1_times if lo_ms <= t <= hi_ms]
    assert got == want and len(want) >= 5, (lo, hi, got, want)
    p = c.cli('n1', 'service', 'logs', 'tick', '--since', 'yesterday', check=False)
    assert p.returncode == 2 and 'RFC 3339' in p.stderr, p.stderr


# 10. State on disk is verified before it is believed: a one-byte change in state.bin (an
# argument 1000 -> 9000) was loaded silently and spread. Now the file carries a checksum: the
# changed file is refused with a message naming the previous generation, which starts the agent
# again; a file in the format before checksums (no header) is still read and migrated.
def scenario_state_checksum(c):
    c.start('n1')
    c.cli('n1', 'service', 'create', '--detach', '--name', 'web', '--replicas', '0', '--', 'sleep', '1000')
    c.cli('n1', 'service', 'scale', '--detach', 'web=0')  # a second write: state.bin.prev exists
    path = os.path.join(c.dir, 'n1', 'state.bin')
    c.kill('n1', signal.SIGTERM); c.agents['n1']['proc'].wait(30)
    data = open(path, 'rb').read()
    assert data[:8] == b'SHOALST\x01', data[:8]
    assert os.path.exists(path + '.prev'), 'the previous generation is kept'
    # The format before checksums: the same payload without the 16-byte header.
    open(path, 'wb').write(data[16:])
    c.restart('n1')
    assert c.inspect('n1', 'web'), 'the unchecksummed file was read'
    c.kill('n1', signal.SIGTERM); c.agents['n1']['proc'].wait(30)
    data = open(path, 'rb').read()
    assert data[:8] == b'SHOALST\x01', 'the next write migrated the file'
    i = data.index(b'1000')
    open(path, 'wb').write(data[:i] + b'9000' + data[i + 4:])
    log_before = len(open(c.agents['n1']['log']).read())
    a = c.agents['n1']
    p = subprocess.run(a['cmd'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    assert p.returncode != 0, 'an agent started from a state file that fails its checksum'
    assert 'checksum mismatch' in p.stdout and 'state.bin.prev' in p.stdout, p.stdout
    os.replace(path + '.prev', path)
    c.restart('n1')
    assert c.inspect('n1', 'web'), 'the previous generation holds the service'


def main():
    run_scenario(globals(), sys.argv)


if __name__ == '__main__':
    main()
