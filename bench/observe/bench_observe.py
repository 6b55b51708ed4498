#!/usr/bin/env python3
"""Observability figures (issue 17), each next to an anchor run in the same invocation:
  log pump:   a task's output through `shoal log-pump` (a timestamped CRI record per line,
              rotation by rename) vs the same bytes written to a file by `cat` (what a task
              writing its file directly costs); MB/s and lines/s of short lines, and the ratio.
  events:     a follower (`shoal events`, no --until) on a one-node agent while services are
              created as fast as the API takes them: events/s written and the follower's lag
              (an event's time to the moment the follower printed it), p50 and max.
  first paint: headless Chromium loading the web view of 1,000 services (3 unplaceable tasks
              each: slots without processes) until its script filled the tables, vs Chromium
              loading a static page of the same size (the browser's own floor); and the
              agent's time to render /view.json.
Runs alternate (shoal, anchor, ...); a failed or timed-out run is counted and printed as such,
never dropped. Usage: bench_observe.py SHOAL_BINARY [RUNS (5)]"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'integration'))
from cluster import Cluster, free_port, wait_until

LINE = b'2026-12-07 an ordinary log line of an ordinary service, 64 bytes\n'
PUMP_MB = 200
TIMEOUT_S = 120


def median_or_failed(xs, failed):
    return ('FAILED x%d' % failed) if failed and not xs else \
        ('%.3g' % statistics.median(xs)) + (f' ({failed} failed)' if failed else '')


def pump_once(shoal, tmp, anchor):
    """Seconds to carry PUMP_MB of LINE through the pump (or cat) into files under tmp. Both run
    under the same `bash -c exec ...` so their start costs the same; the pump reads fd 3 (the
    pipe) and fd 4 (empty: stderr)."""
    out = os.path.join(tmp, 'out.log')
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    script = 'exec cat > "$1"' if anchor else \
        'exec 3<&0 4</dev/null 0</dev/null; exec "$0" log-pump --max-bytes 67108864 --max-files 100 "$1" "$1.err"'
    t0 = time.monotonic()
    p = subprocess.Popen(['bash', '-c', script, shoal, out], stdin=subprocess.PIPE)
    chunk = LINE * (1 << 14)
    written = 0
    while written < PUMP_MB << 20:
        p.stdin.write(chunk)
        written += len(chunk)
    p.stdin.close()
    try:
        rc = p.wait(TIMEOUT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        return None
    return time.monotonic() - t0 if rc == 0 else None


def bench_pump(shoal, runs):
    tmp = tempfile.mkdtemp(prefix='bench-pump-')
    try:
        res = {False: [], True: []}
        failed = {False: 0, True: 0}
        for _ in range(runs):
            for anchor in (False, True):
                t = pump_once(shoal, tmp, anchor)
                if t is None: failed[anchor] += 1
                else: res[anchor].append(t)
        lines = (PUMP_MB << 20) // len(LINE)
        for anchor, name in ((False, 'shoal log-pump'), (True, 'anchor: cat > file')):
            xs = res[anchor]
            mbs = [PUMP_MB / x for x in xs]
            print(f'  {name:22s} {median_or_failed(mbs, failed[anchor])} MB/s, '
                  f'{median_or_failed([lines / x / 1e6 for x in xs], failed[anchor])} M lines/s (median of {runs})')
        if res[False] and res[True]:
            print(f'  ratio pump/anchor time: {statistics.median(res[False]) / statistics.median(res[True]):.2f}x '
                  f'(each line stamped: {len(LINE)} -> {len(LINE) + 38} bytes on disk)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_events(shoal, services=300):
    c = Cluster(shoal)
    try:
        c.start('n1')
        api = c.agents['n1']['api']
        follower = subprocess.Popen([c.shoal, '--api', api, 'events', '--format', 'json', '--filter', 'type=service'],
                                    stdout=subprocess.PIPE, text=True)
        seen = []  # (event time_ms, printed at wall ms)
        def read():
            for line in follower.stdout:
                e = json.loads(line)
                if e['action'] == 'created':
                    seen.append((e['time_ms'], time.time() * 1000))
        threading.Thread(target=read, daemon=True).start()
        t0 = time.time()
        for i in range(services):
            c.run_cli('service', 'create', '--name', f's{i}', '--replicas', '0', '--detach', '--', 'true', api=api)
        wrote_s = time.time() - t0
        try:
            wait_until(lambda: len(seen) >= services, 60, 'the follower saw every create')
        except AssertionError:
            print(f'  FAILED: the follower printed {len(seen)} of {services} creates within 60 s')
            return
        lags = sorted(p - t for t, p in seen)
        print(f'  {services} creates in {wrote_s:.1f} s ({services / wrote_s:.0f} events/s through the CLI, one '
              f'durable write each); follower lag p50 {statistics.median(lags):.0f} ms, max {lags[-1]:.0f} ms '
              f'(the agent holds its question until there is one), none missed')
        follower.kill()
    finally:
        c.stop()


def chromium_ms(url, tmp, wait_for):
    """Wall ms for headless Chromium to load `url` and dump a DOM containing `wait_for`."""
    profile = tempfile.mkdtemp(prefix='chromium-', dir=tmp)
    t0 = time.monotonic()
    p = subprocess.run(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                        f'--user-data-dir={profile}', '--virtual-time-budget=1000', '--dump-dom', url],
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    ms = (time.monotonic() - t0) * 1000
    return ms if p.returncode == 0 and wait_for in p.stdout else None


def bench_first_paint(shoal, runs, services=1000):
    if not shutil.which('chromium'):
        print('  FAILED: chromium missing (scripts/deps.sh)')
        return
    port = free_port()
    c = Cluster(shoal)
    try:
        c.start('n1', extra=['--metrics-addr', f'127.0.0.1:{port}'])
        api = c.agents['n1']['api']
        for i in range(services):
            c.run_cli('service', 'create', '--name', f'svc{i:04d}', '--replicas', '3', '--constraint',
                      'node.labels.none==x', '--detach', '--', 'true', api=api)
        url = f'http://127.0.0.1:{port}/'
        t0 = time.monotonic()
        body = urllib.request.urlopen(url + 'view.json', timeout=30).read()
        render_ms = (time.monotonic() - t0) * 1000
        static = os.path.join(c.dir, 'static.html')
        with open(static, 'w') as f:  # the same amount of table text, no script
            f.write('<html><body><table>' + ''.join(f'<tr><td>svc{i:04d}</td><td>replicated</td><td>0 / 3</td></tr>'
                                                    for i in range(services)) + '</table><p>static-done</p></body></html>')
        res = {False: [], True: []}
        failed = {False: 0, True: 0}
        for _ in range(runs):
            for anchor in (False, True):
                ms = chromium_ms('file://' + static if anchor else url, c.dir,
                                 'static-done' if anchor else f'<td>svc{services - 1:04d}</td>')
                if ms is None: failed[anchor] += 1
                else: res[anchor].append(ms)
        print(f'  /view.json at {services} services x 3 tasks: {render_ms:.0f} ms, {len(body) / 1e6:.1f} MB')
        print(f'  web view, load to filled tables: {median_or_failed(res[False], failed[False])} ms; '
              f'anchor (static page, same rows): {median_or_failed(res[True], failed[True])} ms (medians of {runs})')
        if res[False] and res[True]:
            print(f'  ratio: {statistics.median(res[False]) / statistics.median(res[True]):.2f}x')
    finally:
        c.stop()


def main():
    shoal = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f'log pump: {PUMP_MB} MB of {len(LINE)}-byte lines')
    bench_pump(shoal, runs)
    print('events: a follower while services are created')
    bench_events(shoal)
    print('web view: first paint with 1,000 services')
    bench_first_paint(shoal, runs)


if __name__ == '__main__':
    main()
