#!/usr/bin/env python3
"""The Docker Engine API subset (`shoal agent --docker-api`, docs/docker-api.md) driven by real
Docker clients: the `docker` CLI (Debian's docker.io; no dockerd is started, DOCKER_HOST points
at a shoal agent) and the Docker SDK for Python. Three agents on loopback, each with its own
Docker API socket; a write through one node is read through another.
Usage: test_docker_api.py SHOAL_BINARY SCENARIO   ($DOCKER: the docker CLI, default `docker`)"""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import wait_until
from test_workload import run_scenario

PROCESS = 'shoal.invalid/process'  # runs the command as a host process (shoal's process driver)


def start_docker_cluster(c, names=('n1', 'n2', 'n3'), extra=()):
    for i, n in enumerate(names):
        sock = os.path.join(c.dir, f'{n}-docker.sock')
        c.start(n, join=[names[0]] if i else None, extra=['--docker-api', 'unix://' + sock, *extra])
        c.agents[n]['docker'] = sock
    wait_until(lambda: all(sorted(v for v in c.status_map(n).values()) == ['alive'] * len(names) for n in names),
               60, 'every agent to see the others alive')


def docker_cli():
    """Debian's docker.io client (scripts/deps.sh) unless $DOCKER names another (e.g. a 28.x)."""
    return os.environ.get('DOCKER') or ('/usr/bin/docker' if os.path.exists('/usr/bin/docker') else shutil.which('docker'))


def docker(c, node, *args, check=True):
    """Runs the docker CLI against `node`'s Docker API; returns the CompletedProcess."""
    cli = docker_cli()
    if not cli:
        raise RuntimeError('no docker CLI: scripts/deps.sh installs docker.io')
    config = os.path.join(c.dir, 'docker-config')
    os.makedirs(config, exist_ok=True)
    env = dict(os.environ, DOCKER_HOST='unix://' + c.agents[node]['docker'], DOCKER_CONFIG=config)
    env.pop('DOCKER_CONTEXT', None)
    p = subprocess.run([cli, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f'docker {" ".join(args)} on {node} exited {p.returncode}: {p.stderr.strip()}')
    return p


def out(c, node, *args):
    return docker(c, node, *args).stdout.strip()


def lines(c, node, *args):
    return [l for l in out(c, node, *args).splitlines() if l.strip()]


def running_tasks(c, node, service):
    """[(name, node)] of the service's tasks desired and reported running, via `docker service ps`."""
    rows = lines(c, node, 'service', 'ps', service, '--filter', 'desired-state=running',
                 '--format', '{{.Name}} {{.Node}} {{.CurrentState}}')
    return sorted((r.split()[0], r.split()[1]) for r in rows if ' Running ' in r + ' ')


def scenario_docker_cli(c):
    start_docker_cluster(c)
    # Version negotiation: whatever the client speaks, it settles on what /_ping announces.
    assert out(c, 'n1', 'version', '--format', '{{.Server.APIVersion}}') == '1.41'
    info = out(c, 'n2', 'info', '--format',
               '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}} {{.Swarm.Managers}} {{.Name}}')
    assert info == 'active true 3 3 n2', info
    assert 'Swarm: active' in out(c, 'n3', 'info')
    nodes = lines(c, 'n1', 'node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}} {{.Self}}')
    assert sorted(nodes) == ['n1 Ready Active Reachable true', 'n2 Ready Active Reachable false',
                             'n3 Ready Active Reachable false'], nodes

    sid = out(c, 'n1', 'service', 'create', '--detach', '--no-resolve-image', '--name', 'web', '--replicas', '2',
              '--label', 'tier=front', PROCESS, 'sleep', '1000')
    assert re.fullmatch(r'[0-9a-f]{64}', sid), sid
    # Written through n1, read through n2 (gossip), running on the cluster.
    wait_until(lambda: lines(c, 'n2', 'service', 'ls', '--format', '{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}}')
               == [f'web replicated 2/2 {PROCESS}'], 60, 'web 2/2 in service ls on n2')
    wait_until(lambda: len(running_tasks(c, 'n3', 'web')) == 2, 60, 'two running tasks in service ps')
    assert [t[0] for t in running_tasks(c, 'n3', 'web')] == ['web.1', 'web.2']

    def task_ids():
        return set(lines(c, 'n3', 'service', 'ps', 'web', '--no-trunc', '-f', 'desired-state=running', '-q'))
    before = task_ids()
    assert len(before) == 2 and all(re.fullmatch(r'[0-9a-f]{64}', t) for t in before), before
    assert 'web scaled to 3' in out(c, 'n3', 'service', 'scale', '--detach', 'web=3')
    wait_until(lambda: lines(c, 'n1', 'service', 'ls', '--format', '{{.Replicas}}') == ['3/3'], 60, 'web 3/3')
    # A scale restarts nothing: the two tasks are the same tasks (an update would replace them).
    after = task_ids()
    assert len(after) == 3 and before < after, (before, after)
    assert lines(c, 'n3', 'service', 'ps', 'web', '-f', 'desired-state=shutdown', '-q') == []
    spec = json.loads(out(c, 'n3', 'service', 'inspect', sid[:12]))[0]  # an ID prefix names it
    assert spec['ID'] == sid and spec['Spec']['Name'] == 'web'
    assert spec['Spec']['Mode']['Replicated']['Replicas'] == 3
    assert spec['Spec']['TaskTemplate']['ContainerSpec']['Args'] == ['sleep', '1000']
    assert spec['Spec']['Labels'] == {'tier': 'front'}, spec['Spec']

    # Each write is read back through the node that took it (reads elsewhere wait for gossip).
    out(c, 'n2', 'service', 'update', '--detach', '--env-add', 'FOO=bar', '--label-add', 'owner=ops', 'web')
    spec = json.loads(out(c, 'n2', 'service', 'inspect', 'web'))[0]
    assert spec['Spec']['Labels'] == {'tier': 'front', 'owner': 'ops'}, spec['Spec']
    assert spec['Spec']['TaskTemplate']['ContainerSpec']['Env'] == ['FOO=bar'], spec
    assert spec['PreviousSpec']['TaskTemplate']['ContainerSpec'].get('Env') in (None, [])
    wait_until(lambda: json.loads(out(c, 'n3', 'service', 'inspect', 'web'))[0]['Version'] == spec['Version'],
               30, 'the update to reach n3')
    # rollback=previous: back to the spec before the update, and the update is the new previous.
    out(c, 'n3', 'service', 'rollback', '--detach', 'web')
    back = json.loads(out(c, 'n3', 'service', 'inspect', 'web'))[0]
    assert back['Spec']['TaskTemplate']['ContainerSpec'].get('Env') in (None, []), back['Spec']
    out(c, 'n3', 'service', 'rollback', '--detach', 'web')
    spec = json.loads(out(c, 'n3', 'service', 'inspect', 'web'))[0]
    assert spec['Spec']['TaskTemplate']['ContainerSpec']['Env'] == ['FOO=bar'], spec
    # A setting shoal cannot hold is refused by name, and nothing is written.
    p = docker(c, 'n3', 'service', 'update', '--detach', '--stop-grace-period', '3s', 'web', check=False)
    assert p.returncode != 0 and 'StopGracePeriod' in p.stderr, p.stderr
    assert json.loads(out(c, 'n3', 'service', 'inspect', 'web'))[0]['Version'] == spec['Version']
    wait_until(lambda: len(running_tasks(c, 'n1', 'web')) == 3, 60, 'three running tasks after the update')

    assert out(c, 'n1', 'node', 'update', '--availability', 'drain', 'n2') == 'n2'
    wait_until(lambda: 'n2 Drain' in lines(c, 'n3', 'node', 'ls', '--format', '{{.Hostname}} {{.Availability}}'),
               30, 'n2 drained in node ls on n3')
    wait_until(lambda: len(running_tasks(c, 'n1', 'web')) == 3 and
               all(node != 'n2' for _, node in running_tasks(c, 'n1', 'web')), 60, 'tasks moved off n2')

    assert out(c, 'n2', 'service', 'rm', 'web') == 'web'
    for n in ('n1', 'n2', 'n3'):
        wait_until(lambda: lines(c, n, 'service', 'ls', '-q') == [], 30, f'web gone on {n}')

    # `docker service logs`: every task's lines from every node, through any node, with the
    # task names the CLI builds from /tasks and /nodes; stdout and stderr apart; Docker's times.
    out(c, 'n1', 'service', 'create', '--detach', '--no-resolve-image', '--name', 'talk', '--replicas', '3',
        PROCESS, 'sh', '-c', 'i=0; while :; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.2; done')
    def talkers():
        p = docker(c, 'n3', 'service', 'logs', '--tail', '1', 'talk', check=False)
        return {l.split(' | ')[0].strip() for l in p.stdout.splitlines()} if p.returncode == 0 else set()
    wait_until(lambda: len(talkers()) == 3, 60, 'three tasks log')
    names = talkers()
    assert all(re.fullmatch(r'talk\.[123]\.[0-9a-f]{12}@n[123]', n) for n in names), names
    assert len({n.split('@')[1] for n in names}) >= 2, ('spread over nodes', names)
    def tail2():
        return docker(c, 'n2', 'service', 'logs', '--tail', '2', '--timestamps', 'talk')
    wait_until(lambda: len(tail2().stdout.splitlines()) == 6, 30, 'two lines from each task')
    p = tail2()
    assert all(' | out ' in l for l in p.stdout.splitlines()) and all(' | err ' in l for l in p.stderr.splitlines()), p
    assert len(p.stdout.splitlines()) == 6 and len(p.stderr.splitlines()) == 6, p
    times = [l.split(' ', 1)[0] for l in p.stdout.splitlines()]
    assert times == sorted(times) and all(re.fullmatch(r'\d{4}-\d\d-\d\dT[\d:.]{18}Z', t) for t in times), times
    since = time.time() + 1
    time.sleep(2)
    recent = docker(c, 'n1', 'service', 'logs', '--since', f'{since:.3f}', '--timestamps', '--no-task-ids', 'talk').stdout
    assert recent and all(l.split(' ', 1)[0] >= time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(since))
                          for l in recent.splitlines()), recent[:300]
    # -f streams: every task's lines as they come, each once and in order, from every node.
    env = dict(os.environ, DOCKER_HOST='unix://' + c.agents['n2']['docker'])
    follow = subprocess.Popen(['docker', 'service', 'logs', '-f', '--no-task-ids', 'talk'], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # `docker events` without --until streams too: a service created after it started shows up.
    watch = subprocess.Popen(['docker', 'events', '--filter', 'type=service', '--format', '{{.Action}} {{.Actor.Attributes.name}}'],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(1)
    out(c, 'n3', 'service', 'create', '--detach', '--no-resolve-image', '--name', 'late', '--replicas', '0', PROCESS, 'true')
    time.sleep(3)
    follow.kill(); watch.kill()
    followed, watched = follow.communicate(timeout=10)[0], watch.communicate(timeout=10)[0]
    assert 'create late' in watched.splitlines(), watched
    seqs = {}
    for line in followed.splitlines():
        task, text = line.split(' | ', 1)
        seqs.setdefault(task.strip(), []).append(int(text.split()[1]))
    assert len(seqs) == 3, seqs.keys()
    for task, seq in seqs.items():
        assert seq == list(range(seq[0], seq[0] + len(seq))) and len(seq) > 10, (task, seq[:5], len(seq))
    out(c, 'n1', 'service', 'rm', 'late')
    out(c, 'n1', 'service', 'rm', 'talk')
    p = docker(c, 'n1', 'service', 'inspect', 'web', check=False)
    assert p.returncode != 0 and 'no such service' in p.stderr.lower(), p.stderr

    # docker events: n3's view of all that, as a time window (shoal's /events does not stream).
    # The CLI turns `--until 0s` into whole seconds, which would leave out what happened in the
    # last fraction of one: ask up to a time just ahead.
    until = str(int(time.time()) + 2)
    events = [json.loads(l) for l in lines(c, 'n3', 'events', '--since', '0', '--until', until, '--format', '{{json .}}')]
    web = [(e['Action'], e['Actor']['ID']) for e in events
           if e['Type'] == 'service' and e['Actor']['Attributes']['name'] == 'web']
    assert web[0] == ('create', sid) and web[-1] == ('remove', sid) and ('update', sid) in web, web
    assert any(e['Type'] == 'node' and e['Actor']['Attributes'].get('availability.new') == 'drain' and
               e['Actor']['Attributes']['name'] == 'n2' for e in events), events
    removes = lines(c, 'n3', 'events', '--since', '0', '--until', until, '--filter', 'event=remove',
                    '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}')
    assert removes == ['service remove web', 'service remove late', 'service remove talk'], removes


def scenario_python_sdk(c):
    import docker as docker_sdk
    start_docker_cluster(c)
    n1 = docker_sdk.DockerClient(base_url='unix://' + c.agents['n1']['docker'], version='auto')
    n2 = docker_sdk.DockerClient(base_url='unix://' + c.agents['n2']['docker'], version='auto')
    assert n1.version()['ApiVersion'] == '1.41'
    assert sorted(n.attrs['Description']['Hostname'] for n in n2.nodes.list()) == ['n1', 'n2', 'n3']
    svc = n1.services.create(PROCESS, command=['sleep', '1000'], name='api',
                             mode=docker_sdk.types.ServiceMode('replicated', replicas=2), env=['A=1'])
    assert re.fullmatch(r'[0-9a-f]{64}', svc.id)
    wait_until(lambda: [s.name for s in n2.services.list()] == ['api'], 30, 'api listed on n2')
    assert [s.id for s in n2.services.list(filters={'name': 'api'})] == [svc.id]
    assert n2.services.list(filters={'name': 'nope'}) == []
    assert [s.name for s in n2.services.list(filters={'id': svc.id[:10]})] == ['api']
    got = n2.services.get('api')
    assert got.attrs['Spec']['TaskTemplate']['ContainerSpec']['Env'] == ['A=1']
    wait_until(lambda: len([t for t in got.tasks() if t['Status']['State'] == 'running']) == 2, 60, 'two running tasks')
    # Optimistic concurrency: an update at a stale version is refused, and changes nothing.
    stale = got.attrs['Version']['Index']
    got.scale(3)
    try:
        n2.api.update_service(got.id, version=stale, task_template=got.attrs['Spec']['TaskTemplate'], name='api',
                              mode={'Replicated': {'Replicas': 1}})
        raise AssertionError('an update at a stale version was accepted')
    except docker_sdk.errors.APIError as e:
        assert e.status_code == 409 and 'out of sequence' in e.explanation, (e.status_code, e.explanation)
    assert n2.services.get('api').attrs['Spec']['Mode']['Replicated']['Replicas'] == 3
    # Docker's status codes and {"message": ...} bodies.
    try:
        n1.services.create(PROCESS, command=['sleep', '1'], name='api')
        raise AssertionError('a duplicate name was accepted')
    except docker_sdk.errors.APIError as e:
        assert e.status_code == 409, e
    try:
        n1.services.get('nope')
        raise AssertionError('an unknown service was found')
    except docker_sdk.errors.NotFound:
        pass
    try:
        n1.services.create(PROCESS, command=['sleep', '1'], name='mounts', mounts=['/tmp:/x:ro'])
        raise AssertionError('a spec with mounts was accepted')
    except docker_sdk.errors.APIError as e:
        assert e.status_code == 400 and 'TaskTemplate.ContainerSpec.Mounts' in e.explanation, e.explanation
    assert [s.name for s in n1.services.list()] == ['api']
    # service.logs(): the multiplexed stream, one frame per line, each stream on its own.
    chat = n1.services.create(PROCESS, command=['sh', '-c', 'echo hello; echo oops >&2; exec sleep 1000'], name='chat')
    def chat_logs(**kw):
        return b''.join(n2.services.get(chat.id).logs(**kw)).decode()
    wait_until(lambda: chat_logs(stdout=True, stderr=True) in ('hello\noops\n', 'oops\nhello\n'), 60, 'chat logs')
    assert chat_logs(stdout=True) == 'hello\n' and chat_logs(stderr=True) == 'oops\n'
    stamped = chat_logs(stdout=True, timestamps=True)
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello\n', stamped), stamped
    try:
        chat_logs()
        raise AssertionError('logs without a stream were answered')
    except docker_sdk.errors.APIError as e:
        assert e.status_code == 400 and 'at least one stream' in e.explanation, e.explanation
    chat.remove()
    got.remove()
    wait_until(lambda: n2.services.list() == [], 30, 'api removed on n2')
    # The SDK's events(): n2's view of api's life, filtered by the service's name.
    until = int(time.time()) + 1
    seen = [(e['Action'], e['Actor']['ID']) for e in n2.events(since=0, until=until, decode=True,
                                                               filters={'service': 'api'})]
    assert seen[0] == ('create', svc.id) and seen[-1] == ('remove', svc.id), seen
    assert list(n2.events(since=0, until=until, decode=True, filters={'type': 'container'})) == []


def scenario_image_service(c):
    """docker service create/update naming a registry image: the accepting node pins the tag to
    its digest (the same path as `shoal service create IMAGE`), and the tasks run the image."""
    from test_image import Registry, build_busybox, build_tagged, push
    reg = Registry(c.dir)
    try:
        img = build_busybox(c.dir)
        d1 = push(img, reg, 'busybox:1')
        d2 = push(build_tagged(c.dir, img, '2', '2'), reg, 'busybox:2')
        start_docker_cluster(c, extra=['--registry-mirror', reg.host, '--insecure-registry', reg.host])
        image = f'{reg.host}/busybox'
        out(c, 'n2', 'service', 'create', '--detach', '--name', 'web', '--replicas', '2', image + ':1',
            '/bin/busybox', 'sleep', '1000')
        # Read on another node: wait for gossip to carry the write there.
        def spec_on_n1():
            p = docker(c, 'n1', 'service', 'inspect', 'web', check=False)
            return json.loads(p.stdout)[0]['Spec'] if p.returncode == 0 else None
        wait_until(lambda: spec_on_n1() is not None, 30, 'web known on n1')
        spec = spec_on_n1()['TaskTemplate']['ContainerSpec']
        assert spec['Image'] == f'{image}:1@{d1}', f'not pinned to the digest: {spec}'
        assert spec['Args'] == ['/bin/busybox', 'sleep', '1000'], spec
        wait_until(lambda: len(running_tasks(c, 'n3', 'web')) == 2, 120, 'two web tasks running the image')
        out(c, 'n3', 'service', 'update', '--detach', '--image', image + ':2', 'web')
        wait_until(lambda: spec_on_n1()['TaskTemplate']['ContainerSpec']['Image'] != f'{image}:1@{d1}', 30,
                   'the update known on n1')
        spec = spec_on_n1()['TaskTemplate']['ContainerSpec']
        assert spec['Image'] == f'{image}:2@{d2}', spec
        def images_running():
            return lines(c, 'n2', 'service', 'ps', 'web', '--filter', 'desired-state=running',
                         '--format', '{{.Image}} {{.CurrentState}}')
        wait_until(lambda: len(images_running()) == 2 and
                   all(l.startswith(image + ':2 Running') for l in images_running()), 120, 'both tasks on busybox:2')
        # A write that keeps the image pins nothing: it needs no registry.
        reg.stop()
        out(c, 'n1', 'service', 'update', '--detach', '--env-add', 'A=1', 'web')
        assert 'did not answer' not in open(c.agents['n1']['log']).read()
        p = docker(c, 'n1', 'service', 'create', '--detach', '--name', 'ghost', image + ':9', 'true', check=False)
        assert p.returncode != 0 and 'cannot resolve image' in p.stderr, p.stderr
        out(c, 'n1', 'service', 'rm', 'web')
    finally:
        reg.stop()


def http(path, port=None, sock=None, headers=(), method='GET', body=b'', content_length=None):
    """One raw HTTP/1.1 exchange; returns (status, body). `content_length` announces a body
    larger than the one sent (a server that bounds bodies answers from the header alone)."""
    s = socket.create_connection(('127.0.0.1', port)) if port else socket.socket(socket.AF_UNIX)
    if sock:
        s.connect(sock)
    length = len(body) if content_length is None else content_length
    head = f'{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {length}\r\n'
    try:
        s.sendall((head + ''.join(f'{h}\r\n' for h in headers) + '\r\n').encode() + body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before reading everything: its answer is still there
    data = b''
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    status = int(data.split(b' ', 2)[1])
    return status, data.split(b'\r\n\r\n', 1)[1]


def scenario_tcp_token_and_bounds(c):
    from cluster import free_port
    port = free_port()
    token = os.path.join(c.dir, 'token')
    with open(token, 'w') as f:
        f.write('s3cret\n')
    c.start('n1', extra=['--docker-api', f'tcp://127.0.0.1:{port}', '--api-token-file', token])
    status, body = http('/_ping', port=port)
    assert status == 401 and b'Bearer' in body, (status, body)
    assert http('/_ping', port=port, headers=['Authorization: Bearer wrong'])[0] == 401
    assert http('/v1.41/_ping', port=port, headers=['Authorization: Bearer s3cret']) == (200, b'OK')
    # The docker CLI sends the token from config.json's HttpHeaders.
    config = os.path.join(c.dir, 'docker-config')
    os.makedirs(config)
    with open(os.path.join(config, 'config.json'), 'w') as f:
        json.dump({'HttpHeaders': {'Authorization': 'Bearer s3cret'}}, f)
    p = subprocess.run([docker_cli(), 'info', '--format', '{{.Swarm.LocalNodeState}}'], capture_output=True, text=True,
                       env=dict(os.environ, DOCKER_HOST=f'tcp://127.0.0.1:{port}', DOCKER_CONFIG=config), timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == 'active', p.stderr
    auth = ['Authorization: Bearer s3cret']
    # Bounded before parsing: an oversized header or body is refused with its status, not read.
    assert http('/info', port=port, headers=auth + ['X-Big: ' + 'a' * 20000])[0] == 431
    assert http('/services/create', port=port, headers=auth, method='POST', body=b'{', content_length=2 << 20)[0] == 413
    status, body = http('/services/create', port=port, headers=auth, method='POST', body=b'not json')
    assert status == 400 and json.loads(body)['message'], body
    status, body = http('/v1.41/nonexistent', port=port, headers=auth)
    assert status == 404 and 'message' in json.loads(body)
    assert http('/swarm/init', port=port, headers=auth, method='POST', body=b'{}')[0] == 503
    assert http('/services?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D', port=port, headers=auth)[0] == 400
    # The agent is still serving.
    assert http('/_ping', port=port, headers=auth) == (200, b'OK')


def main():
    run_scenario(globals(), sys.argv)


if __name__ == '__main__':
    main()
