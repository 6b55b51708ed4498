#!/usr/bin/env python3
"""The agent's Prometheus endpoint (--metrics-addr) read by the real tools: Debian's `promtool
check metrics` lints what three agents serve, and Debian's `prometheus` server scrapes them
(one off loopback, with the API token as its bearer token) until every target reports the
three members alive.
Usage: test_metrics.py SHOAL_BINARY SCENARIO"""
import json, os, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import free_port, run_scenarios_main, wait_until

TOKEN = 'metrics-test-token-0123456789'

def get(url, token=None, timeout=5):
    req = urllib.request.Request(url)
    if token: req.add_header('Authorization', 'Bearer ' + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get('Content-Type'), r.read().decode()

def status_of(url, token=None):
    try:
        return get(url, token)[0]
    except urllib.error.HTTPError as e:
        return e.code

def start_three(c):
    """n1, n2 on loopback metrics; n3 on 0.0.0.0, which needs the API token."""
    token_file = os.path.join(c.dir, 'token')
    with open(token_file, 'w') as f: f.write(TOKEN + '\n')
    os.chmod(token_file, 0o600)
    targets = {}
    for name, host in (('n1', '127.0.0.1'), ('n2', '127.0.0.1'), ('n3', '0.0.0.0')):
        port = free_port()
        extra = ['--metrics-addr', f'{host}:{port}']
        if host != '127.0.0.1': extra += ['--api-token-file', token_file]
        c.start(name, join=['n1'] if name != 'n1' else None, extra=extra)
        targets[name] = dict(addr=f'127.0.0.1:{port}', token=TOKEN if host != '127.0.0.1' else None)
    return targets, token_file

def alive_in_view(target):
    _, _, text = get(f'http://{target["addr"]}/metrics', target['token'])
    return 'shoal_members{status="alive"} 3' in text.splitlines()

def promtool_check(text):
    p = subprocess.run(['promtool', 'check', 'metrics'], input=text, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(), \
        f'promtool check metrics: rc={p.returncode}\n{p.stdout}{p.stderr}'

def scenario_promtool_lints_real_output(c):
    targets, _ = start_three(c)
    wait_until(lambda: all(alive_in_view(t) for t in targets.values()), 60, 'three alive in every view')
    # Exercise the API so the per-verb families have series, then lint each agent's document.
    c.run_cli('service', 'create', '--name', 'web', '--replicas', '2', '--detach', '--', 'sleep', '600',
              api=c.agents['n1']['api'])
    c.run_cli('members', api=c.agents['n1']['api'])
    for name, t in targets.items():
        status, ctype, text = get(f'http://{t["addr"]}/metrics', t['token'])
        assert status == 200 and ctype.startswith('text/plain; version=0.0.4'), (status, ctype)
        promtool_check(text)
    wait_until(lambda: 'shoal_api_requests_total{verb="service create"} 1' in
               get(f'http://{targets["n1"]["addr"]}/metrics')[2].splitlines(), 10, 'api verb counted')
    # The shell's wiring: the two replicas' starts, their state in every view, the placement
    # timing and the state file size all reach the document.
    def value(name, series):
        t = targets[name]
        for line in get(f'http://{t["addr"]}/metrics', t['token'])[2].splitlines():
            if line.startswith(series + ' '): return float(line.split(' ')[1])
        return None
    wait_until(lambda: sum(value(n, 'shoal_task_starts_total') for n in targets) == 2 and
               all(value(n, 'shoal_tasks{state="healthy"}') == 2 for n in targets), 60, 'two tasks started, healthy in every view')
    for n in targets:
        assert value(n, 'shoal_services{mode="replicated"}') == 1
        assert value(n, 'shoal_placement_duration_seconds_count') > 0
    # The state file is written after a short debounce: wait for it rather than race it.
    wait_until(lambda: all((value(n, 'shoal_state_size_bytes') or 0) > 0 for n in targets), 30, 'state file size reported')
    # Off loopback the token is required; on loopback it is not asked.
    assert status_of(f'http://{targets["n3"]["addr"]}/metrics') == 401
    assert status_of(f'http://{targets["n3"]["addr"]}/metrics', 'wrong') == 401
    assert status_of(f'http://{targets["n1"]["addr"]}/metrics') == 200

def scenario_token_required_off_loopback(c):
    # An agent asked to serve metrics off loopback without a token refuses to start, saying why.
    port = free_port()
    p = subprocess.run([c.shoal, 'agent', '--name', 'x', '--bind', f'127.0.0.1:{free_port()}', '--key', c.key,
                        '--api', os.path.join(c.dir, 'x.sock'), '--data-dir', os.path.join(c.dir, 'x'),
                        '--metrics-addr', f'0.0.0.0:{port}'], capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and '--api-token-file' in p.stderr, (p.returncode, p.stderr)

def prometheus_config(targets, token_file, scrape_dir):
    """One job per target: the token target carries `authorization`. Plain YAML (JSON is YAML)."""
    jobs = []
    for name, t in targets.items():
        job = {'job_name': name, 'scrape_interval': '1s', 'scrape_timeout': '1s',
               'static_configs': [{'targets': [t['addr']]}]}
        if t['token']: job['authorization'] = {'credentials_file': token_file}
        jobs.append(job)
    path = os.path.join(scrape_dir, 'prometheus.yml')
    with open(path, 'w') as f: json.dump({'global': {'scrape_interval': '1s'}, 'scrape_configs': jobs}, f)
    return path

def query(port, expr):
    url = f'http://127.0.0.1:{port}/api/v1/query?' + urllib.parse.urlencode({'query': expr})
    _, _, body = get(url)
    answer = json.loads(body)
    assert answer['status'] == 'success', answer
    return {r['metric'].get('job'): float(r['value'][1]) for r in answer['data']['result']}

def scenario_prometheus_scrapes_three(c):
    if not shutil.which('prometheus'):
        raise RuntimeError('prometheus is not installed: run scripts/deps.sh')
    targets, token_file = start_three(c)
    work = tempfile.mkdtemp(prefix='shoal-prom-', dir=c.dir)
    config = prometheus_config(targets, token_file, work)
    check = subprocess.run(['promtool', 'check', 'config', config], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    port = free_port()
    log = open(os.path.join(work, 'prometheus.log'), 'w')
    prom = subprocess.Popen(['prometheus', f'--config.file={config}', f'--storage.tsdb.path={work}/tsdb',
                             f'--web.listen-address=127.0.0.1:{port}'], stdout=log, stderr=subprocess.STDOUT)
    try:
        def three_alive_everywhere():
            return query(port, 'shoal_members{status="alive"}') == {'n1': 3.0, 'n2': 3.0, 'n3': 3.0}
        try:
            wait_until(three_alive_everywhere, 90, 'prometheus sees 3 alive members on every target')
        except Exception:
            print(open(log.name).read()[-3000:])
            raise
        assert query(port, 'up') == {'n1': 1.0, 'n2': 1.0, 'n3': 1.0}
        assert query(port, 'shoal_build_info') == {'n1': 1.0, 'n2': 1.0, 'n3': 1.0}
        # A counter Prometheus can take a rate of: probes keep going out.
        wait_until(lambda: all(v > 0 for v in query(port, 'increase(shoal_probes_total[5s])').values()) and
                   len(query(port, 'increase(shoal_probes_total[5s])')) == 3, 30, 'probe counters rising')
    finally:
        prom.terminate()
        try: prom.wait(10)
        except subprocess.TimeoutExpired: prom.kill(); prom.wait(5)

if __name__ == '__main__':
    run_scenarios_main(globals(), sys.argv)
