"""Real shoal agents on loopback for integration tests and benchmarks.
Every agent gets its own ports, data dir and API socket under a temp dir; stop() (also run at
exit) kills whatever was started, so a failing test leaves nothing behind."""
import atexit, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, time

def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(200):
        port = random.randint(20000, 60000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, \
                 socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                t.bind(('127.0.0.1', port)); u.bind(('127.0.0.1', port))
                return port
        except OSError:
            continue
    raise RuntimeError('no free port')

class Cluster:
    def __init__(self, shoal, profile='lan', key=None):
        self.shoal = os.path.abspath(shoal)
        self.dir = tempfile.mkdtemp(prefix='shoal-it-')
        self.profile = profile
        self.key = key or self.run_cli('keygen').strip()
        self.agents = {}   # name -> dict(proc, port, api, log)
        atexit.register(self.stop)

    def run_cli(self, *args, api=None, check=True, env=None):
        cmd = [self.shoal, *args]
        if api: cmd[1:1] = ['--api', api]  # before the command: nothing after `--` is the CLI's
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError(f'{" ".join(cmd)} exited {p.returncode}: {p.stderr.strip()}')
        return p.stdout if check else p

    def start(self, name, join=None, key=None, extra=(), env=None, port=None):
        """`port`: a gossip port chosen before (free_port()), e.g. one a seed address names."""
        port = port or free_port()
        api = os.path.join(self.dir, f'{name}.sock')
        data = os.path.join(self.dir, name)
        log = open(os.path.join(self.dir, f'{name}.log'), 'a')
        cmd = [self.shoal, 'agent', '--name', name, '--bind', f'127.0.0.1:{port}',
               '--key', key or self.key, '--profile', self.profile, '--api', api, '--data-dir', data, *extra]
        for j in (join or []):
            cmd += ['--join', f'127.0.0.1:{self.agents[j]["port"]}' if j in self.agents else j]
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.agents[name] = dict(proc=proc, port=port, api=api, log=log.name, cmd=cmd)
        if '--api' in extra:  # a TCP API (token needed): wait for the agent's start line instead
            wait_until(lambda: 'listening' in open(log.name).read() or proc.poll() is not None, 30, f'{name} start')
        else:
            wait_until(lambda: os.path.exists(api) or proc.poll() is not None, 30, f'{name} api socket')
        if proc.poll() is not None:
            raise RuntimeError(f'agent {name} exited {proc.returncode}: {open(log.name).read()[-2000:]}')
        return self.agents[name]

    def restart(self, name):
        a = self.agents[name]
        log = open(a['log'], 'a')
        a['proc'] = subprocess.Popen(a['cmd'], stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.ping(name), 30, f'{name} api after restart')

    def ping(self, name):
        p = self.run_cli('members', api=self.agents[name]['api'], check=False)
        return p.returncode == 0

    def members(self, name):
        return json.loads(self.run_cli('members', '--format', 'json', api=self.agents[name]['api']))

    def status_map(self, name):
        return {m['name']: m['status'] for m in self.members(name)}

    def kill(self, name, sig=signal.SIGKILL):
        p = self.agents[name]['proc']
        if p.poll() is None:
            p.send_signal(sig)
        if sig == signal.SIGKILL:
            p.wait(5)

    def alive_names(self):
        return [n for n, a in self.agents.items() if a['proc'].poll() is None]

    def stop(self):
        for a in self.agents.values():
            if a['proc'].poll() is None:
                a['proc'].kill()
                try: a['proc'].wait(5)
                except subprocess.TimeoutExpired: pass
        self.agents = {}
        shutil.rmtree(self.dir, ignore_errors=True)

def wait_until(pred, timeout_s, what):
    """Polls pred until it is true. Timeouts are sized for CI's slowest run (ASan+UBSan on 2
    busy cores, about 3x slower): a wait that holds up a passing run costs nothing, a tight one
    fails it."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if pred(): return True
        except Exception:
            pass
        time.sleep(0.05)
    raise AssertionError(f'timed out after {timeout_s}s waiting for {what}')

SKIP = 77  # the exit status run-tests.py counts as skipped


class Skip(Exception):
    """Raised by a scenario that cannot run here (it says why); never for a failure."""


def run_scenarios_main(scenarios, argv, make_cluster=Cluster):
    """main() of a scenario file: `FILE SHOAL SCENARIO` runs scenario_SCENARIO from `scenarios`
    (the file's globals) on a fresh cluster; prints ok/skip/FAILED (the error first: CI shows
    the head of the output), then the agents' logs on failure."""
    shoal, scenario = argv[1], argv[2]
    c = make_cluster(shoal)
    status = 0
    try:
        scenarios['scenario_' + scenario](c)
        print(f'ok {scenario}')
    except Skip as s:
        print(f'skip {scenario}: {s}')
        status = SKIP
    except Exception as e:
        print(f'FAILED {scenario}: {type(e).__name__}: {e}', flush=True)
        for n, a in c.agents.items():
            print(f'--- log of {n} ---'); print(open(a['log']).read()[-3000:])
        raise
    finally:
        c.stop()
    sys.exit(status)
