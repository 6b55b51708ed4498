#!/usr/bin/env python3
"""`shoal stack`: deploy a compose file, redeploy (only changed services update), prune, read
through another node, remove. The images are not pulled here (--resolve-image never, a registry
address nobody serves): the scenario checks the desired state; image tests run images.
Usage: test_stack.py SHOAL SCENARIO"""
import json, os, sys

from cluster import Cluster, run_scenarios_main, wait_until

COMPOSE = """
version: "3.8"
services:
  web:
    image: 127.0.0.1:5999/web:${TAG:-1}
    command: [sleep, "1000"]
    build: ./web
    deploy:
      replicas: ${REPLICAS}
      labels: {owner: ops}
  db:
    image: 127.0.0.1:5999/db:1
    deploy: {mode: global}
"""

def scenario_deploy_update_prune_rm(c):
    c.start('n1')
    c.start('n2', join=['n1'])
    api = c.agents['n1']['api']
    path = os.path.join(c.dir, 'compose.yaml')
    open(path, 'w').write(COMPOSE)
    open(os.path.join(c.dir, '.env'), 'w').write('REPLICAS=2\n')

    def deploy(*extra, env=None, check=True):
        return c.run_cli('stack', 'deploy', '-c', path, '--resolve-image', 'never', *extra, 'shop', api=api,
                         check=check, env=dict(os.environ, **(env or {})))
    p = deploy(check=False)
    assert p.returncode == 0, p
    assert p.stdout.splitlines() == ['Creating service shop-db', 'Creating service shop-web'], p.stdout
    assert p.stderr == 'Ignoring unsupported options: services.web.build\n', p.stderr
    assert c.run_cli('stack', 'ls', '--format', 'json', api=api) == '[{"name":"shop","services":2}]\n'
    names = [s['name'] for s in json.loads(c.run_cli('stack', 'services', 'shop', '--format', 'json', api=api))]
    assert names == ['shop-db', 'shop-web'], names
    [web] = json.loads(c.run_cli('service', 'inspect', 'shop-web', api=api))
    assert web['spec']['replicas'] == 2 and web['spec']['labels'] == {
        'com.docker.stack.namespace': 'shop', 'owner': 'ops'}, web['spec']
    assert web['spec']['task']['image'] == '127.0.0.1:5999/web:1', web['spec']['task']

    # The same file again: nothing changes. The shell's variables win over .env.
    assert deploy().splitlines() == ['Service shop-db is unchanged', 'Service shop-web is unchanged']
    assert deploy(env={'REPLICAS': '3'}).splitlines() == ['Service shop-db is unchanged', 'Updating service shop-web']
    [web] = json.loads(c.run_cli('service', 'inspect', 'shop-web', api=api))
    assert web['spec']['replicas'] == 3 and web['version'] == 2, web

    # db leaves the file: kept without --prune, removed with it.
    open(path, 'w').write(COMPOSE.split('  db:')[0])
    assert deploy(env={'REPLICAS': '3'}).splitlines() == ['Service shop-web is unchanged']
    assert 'shop-db' in c.run_cli('service', 'ls', api=api)
    assert deploy('--prune', env={'REPLICAS': '3'}).splitlines() == ['Service shop-web is unchanged',
                                                                     'Removing service shop-db']
    # Another node sees the stack (gossip), and removes it.
    api2 = c.agents['n2']['api']
    wait_until(lambda: c.run_cli('stack', 'ls', api=api2).splitlines()[1:] == ['shop  1'], 30, 'the stack on n2')
    assert c.run_cli('stack', 'rm', 'shop', api=api2).splitlines() == ['Removing service shop-web']
    assert c.run_cli('stack', 'ls', '--format', 'json', api=api2) == '[]\n'
    p = c.run_cli('stack', 'rm', 'shop', api=api2, check=False)
    assert p.returncode == 1 and p.stderr == 'shoal: stack rm: no stack named shop\n', p

    # Mistakes are clear errors, and change nothing.
    for args, needle in [([], 'give the compose file'), (['-c', os.path.join(c.dir, 'none.yaml')], 'none.yaml'),
                         (['-c', path, '--resolve-image', 'sometimes'], 'always or never')]:
        p = c.run_cli('stack', 'deploy', *args, 'shop', api=api, check=False)
        assert p.returncode == 2 and needle in p.stderr, (args, p)
    open(path, 'w').write('services:\n  web:\n    image: x:${MISSING:?set MISSING}\n')
    p = deploy(check=False)
    assert p.returncode == 2 and 'compose.yaml:3: services.web.image: variable MISSING is required: set MISSING' in p.stderr, p
    assert c.run_cli('stack', 'ls', '--format', 'json', api=api) == '[]\n'

if __name__ == '__main__':
    run_scenarios_main(globals(), sys.argv)
