#!/usr/bin/env python3
"""Runs every registered test of a meson build dir and prints the line CI reads:
   "N passed, N failed[, N skipped]". gtest binaries are counted per test case (from their JSON
   report); other tests (shell scripts) count as one each: exit 0 pass, 77 skip, else fail.
   --jobs N runs up to N tests at once, as `meson test` does: a test registered with
   `is_parallel : false` (it measures the agent's memory or timing, or uses a global resource)
   always runs alone. Results are printed as tests finish.
   --skip-suite NAME leaves out the tests of a suite; --rc-scale X runs X times the property
   cases a test's RC_PARAMS asks for (max_success, at least 1). The sanitizer run uses both
   (Makefile, test-asan).
Usage: run-tests.py BUILD_DIR [--suite NAME]... [--skip-suite NAME]... [--timeout-scale X]
                    [--rc-scale X] [--jobs N]"""
import json, os, re, subprocess, sys, tempfile, time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

def scaled_rc_params(params, rc_scale):
    """RC_PARAMS with max_success scaled (rapidcheck's own spelling: space-separated k=v)."""
    return re.sub(r'max_success=(\d+)', lambda m: f'max_success={max(1, int(int(m.group(1)) * rc_scale))}', params)

def run_one(t, build, scale, rc_scale=1.0):
    """Runs one test; returns (name, passed, failed, skipped, failure names, output, seconds)."""
    env = dict(os.environ); env.update(t.get('env') or {})
    if rc_scale != 1.0 and 'RC_PARAMS' in env:
        env['RC_PARAMS'] = scaled_rc_params(env['RC_PARAMS'], rc_scale)
    timeout = (t.get('timeout') or 300) * scale
    start = time.time()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = list(t['cmd']) + list(t.get('args') or [])
        report = os.path.join(tmp, 'report.json')
        if t.get('protocol') == 'gtest':
            cmd.append(f'--gtest_output=json:{report}')
        try:
            proc = subprocess.run(cmd, env=env, cwd=t.get('workdir') or build, timeout=timeout,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            rc, out = proc.returncode, proc.stdout.decode(errors='replace')
        except subprocess.TimeoutExpired as e:
            rc, out = -1, (e.stdout or b'').decode(errors='replace') + f'\nTIMEOUT after {timeout:.0f}s\n'
        p = f = s = 0
        if t.get('protocol') == 'gtest' and os.path.exists(report):
            with open(report) as fh:
                data = json.load(fh)
            for suite in data.get('testsuites', []):
                for case in suite.get('testsuite', []):
                    if case.get('failures'): f += 1; failures.append(f"{t['name']}: {suite['name']}.{case['name']}")
                    elif case.get('result') == 'SKIPPED': s += 1
                    else: p += 1
            if rc != 0 and f == 0:  # crashed or leaked (sanitizers) after the report
                f += 1; failures.append(f"{t['name']}: exit {rc}")
        elif rc == 0: p = 1
        elif rc == 77: s = 1
        else: f = 1; failures.append(f"{t['name']}: exit {rc}")
    return t['name'], p, f, s, failures, out, time.time() - start

def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr); return 2
    build = args.pop(0)
    suites, skipped_suites, scale, rc_scale, jobs = [], [], 1.0, 1.0, 1
    while args:
        a = args.pop(0)
        if a == '--suite': suites.append(args.pop(0))
        elif a == '--skip-suite': skipped_suites.append(args.pop(0))
        elif a == '--timeout-scale': scale = float(args.pop(0))
        elif a == '--rc-scale': rc_scale = float(args.pop(0))
        elif a == '--jobs': jobs = max(1, int(args.pop(0)))
        else: print(f'run-tests: unknown argument {a}', file=sys.stderr); return 2
    tests = json.loads(subprocess.check_output(['meson', 'introspect', build, '--tests']))
    def in_suite(t, names):
        return any(n in (x.split(':')[-1] for x in t['suite']) for n in names)
    if suites:
        tests = [t for t in tests if in_suite(t, suites)]
    tests = [t for t in tests if not in_suite(t, skipped_suites)]
    totals = [0, 0, 0]
    failures = []

    def report(result):
        name, p, f, s, failed, out, seconds = result
        totals[0] += p; totals[1] += f; totals[2] += s
        failures.extend(failed)
        status = 'FAIL' if f else 'ok'
        print(f"{status:4} {name:32} {p} passed, {f} failed, {s} skipped  ({seconds:.1f}s)", flush=True)
        if f:
            print('\n'.join('    | ' + l for l in out.splitlines()[-60:]), flush=True)

    running = set()
    def drain(until):  # report finished tests until at most `until` still run
        nonlocal running
        while len(running) > until:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for d in done:
                report(d.result())

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for t in tests:
            if not t.get('is_parallel', True):
                drain(0)
                report(run_one(t, build, scale, rc_scale))
            else:
                drain(jobs - 1)
                running.add(pool.submit(run_one, t, build, scale, rc_scale))
        drain(0)
    if failures:
        print('failed:'); print('\n'.join('  ' + x for x in failures))
    line = f'{totals[0]} passed, {totals[1]} failed'
    if totals[2]: line += f', {totals[2]} skipped'
    print(line)
    return 1 if totals[1] or totals[0] == 0 else 0

if __name__ == '__main__':
    sys.exit(main())
