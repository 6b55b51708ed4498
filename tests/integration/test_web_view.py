#!/usr/bin/env python3
"""The web view (`/` at --metrics-addr) in a real browser: Debian's headless Chromium loads the
page from a 3-node cluster; the test reads the DOM the page's script built (nodes, services,
where each slot runs, events, the whole/partial banner), checks that text from the cluster is
shown, not run, and saves a screenshot to <build>/meson-logs/web_view.png.
Usage: test_web_view.py SHOAL_BINARY SCENARIO"""
import html, os, re, shutil, subprocess, sys, tempfile, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import free_port, wait_until
from test_workload import run_scenario

def chromium(c, *args):
    exe = shutil.which('chromium')
    if not exe:
        raise RuntimeError('chromium is not installed: run scripts/deps.sh')
    profile = tempfile.mkdtemp(prefix='chromium-', dir=c.dir)
    # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
    p = subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                        f'--user-data-dir={profile}', '--virtual-time-budget=6000', *args],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout

def scenario_chromium_sees_three_nodes(c):
    ports = {}
    for name in ('n1', 'n2', 'n3'):
        ports[name] = free_port()
        extra = ['--metrics-addr', f'127.0.0.1:{ports[name]}']
        if name == 'n3': extra += ['--label', 'note=<b>bold</b>']  # must be shown as text
        c.start(name, join=['n1'] if name != 'n1' else None, extra=extra)
    wait_until(lambda: sorted(v for v in c.status_map('n1').values()) == ['alive'] * 3, 60, 'three alive')
    c.cli('n2', 'service', 'create', '--name', 'web', '--replicas', '3', '--detach', '--', 'sleep', '1000')
    c.cli('n2', 'service', 'create', '--name', 'db', '--detach', '--', 'sleep', '1000')
    wait_until(lambda: c.ls('n1')['web']['running'] == 3 and c.ls('n1')['db']['running'] == 1, 60, 'web 3/3, db 1/1')
    url = f'http://127.0.0.1:{ports["n1"]}/'
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.headers['Content-Type'].startswith('text/html'), r.headers

    dom = chromium(c, '--dump-dom', url)
    for needle in ('the cluster as <span id="self">n1</span> sees it', 'whole: all 3 members alive',
                   '<td>web</td><td>replicated</td><td class="ok">3 / 3</td>', '<td>db</td>',
                   '<td>service</td><td>created</td><td>web</td>', '<td>member</td><td>joined</td><td>n3</td>',
                   html.escape('note=<b>bold</b>', quote=False)):
        assert needle in dom, (needle, dom[:3000])
    assert '<b>bold</b>' not in dom, 'a label was inserted as HTML'
    for node in ('n1', 'n2', 'n3'):
        assert f'<td>{node}</td><td class="ok">alive</td>' in dom, (node, dom[:3000])
    slots = [f'web.{i} @ ' for i in range(3)]
    assert all(s in dom for s in slots), dom[:3000]
    # Each node's view of the members, n1's first: three rows that agree.
    assert '<th>seen by</th><th>n1</th><th>n2</th><th>n3</th>' in dom, dom[:3000]
    for node in ('n1', 'n2', 'n3'):
        assert f'<td>{node}</td>' + '<td class="ok">alive</td>' * 3 in dom, (node, dom[:4000])
    assert '3 of 3 views fresh, all agree' in dom, dom[:4000]

    logs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(c.shoal))), 'meson-logs')
    os.makedirs(logs, exist_ok=True)
    shot = os.path.join(logs, 'web_view.png')
    if os.path.exists(shot): os.remove(shot)
    chromium(c, f'--screenshot={shot}', '--window-size=1280,900', url)
    with open(shot, 'rb') as f:
        png = f.read()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10_000, len(png)
    print(f'screenshot: {shot} ({len(png)} bytes)')

    # n3 gone: n1's page says its view is partial and shows n3 failed.
    c.kill('n3')
    wait_until(lambda: c.status_map('n1').get('n3') == 'failed', 60, 'n1 sees n3 failed')
    dom = chromium(c, '--dump-dom', url)
    assert 'partial view: 2 of 3 members alive as n1 sees them' in dom, dom[:3000]
    assert '<td>n3</td><td class="bad">failed</td>' in dom, dom[:3000]
    # n1 and n2 see n3 failed; n3's own last view (it saw everyone alive) ages and is shown so.
    # n2 declares n3 failed on its own timers, and n1 shows n2's view as n2 last reported it
    # (asked every 2 s), so the page may first show n2 still suspecting n3: wait for it.
    n2_sees_failed = '<td>n2</td><td class="ok">alive</td><td class="ok">alive</td><td class="bad">failed</td>'
    wait_until(lambda: n2_sees_failed in chromium(c, '--dump-dom', url), 30, "n2's view of n3 failed")
    def n3_view_old():
        dom = chromium(c, '--dump-dom', url)
        return re.search(r'<td>n3 \(as of \d+ s ago\)</td>(<td class="ok">alive</td>){3}', dom) and \
            '2 of 3 views fresh, all agree' in dom
    wait_until(n3_view_old, 30, "n3's last view shown as old, the two fresh views agreeing")

if __name__ == '__main__':
    run_scenario(globals(), sys.argv)
