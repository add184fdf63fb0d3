import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_SCHEMA } from '@tether/config';
import { findJemalloc, freePort, REPO_ROOT, TETHER_BIN, TetherProcess } from '@tether/testing';

/**
 * The deployment files (k8s/*.yaml, docker-compose.yml) cannot be run here (no Docker, no cluster), so what can
 * go wrong without running them is checked: they parse, every TETHER_* variable is a configuration key, every
 * Secret a pod reads is shown in secrets.example.yaml, every named port and selector meets its pod, and the
 * dispatcher's wiring (Services, CRL URL, API URL, one writer of its state) holds together.
 */
type Yaml = { parseAllDocuments(text: string, o?: object): Array<{ errors: unknown[]; toJSON(): unknown }> };
// Any object parsed from YAML, walked loosely: a missing field is undefined, as in the manifests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

const K8S = join(REPO_ROOT, 'k8s');
// Not configuration keys, read by a command directly (environmentValue).
const NOT_KEYS = new Set(['TETHER_CA_PASSWORD', 'TETHER_DISPATCHER_PASSWORD']);

describe('deployment manifests', () => {
  let yaml: Yaml;
  let tmp = '';
  let dispatcher: TetherProcess | undefined;
  const docs = new Map<string, Obj[]>();
  const all = (): Obj[] => [...docs.entries()].filter(([f]) => f.startsWith('k8s/')).flatMap(([, d]) => d);
  const ofKind = (kind: string, file?: string): Obj[] => (file ? (docs.get(file) ?? []) : all()).filter((d) => d?.kind === kind);
  const workloads = (file?: string): Obj[] => [...ofKind('Deployment', file), ...ofKind('StatefulSet', file)];
  const byName = (kind: string, name: string): Obj => {
    const found = ofKind(kind).find((d) => d.metadata?.name === name);
    assert.ok(found, `${kind} ${name} exists`);
    return found;
  };
  const containers = (w: Obj): Obj[] => w.spec.template.spec.containers;
  const envOf = (w: Obj): Map<string, Obj> => new Map(containers(w).flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => [e.name, e])));
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

  before(() => {
    // A transitive dependency (of nx), resolved from the repository as the lint tooling is; not a runtime one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    yaml = require(join(REPO_ROOT, 'node_modules', 'yaml')) as Yaml;
    const files = [...readdirSync(K8S).filter((f) => f.endsWith('.yaml')).map((f) => `k8s/${f}`), 'docker-compose.yml'];
    for (const file of files) {
      const parsed = yaml.parseAllDocuments(readFileSync(join(REPO_ROOT, file), 'utf8'), { merge: true });
      for (const d of parsed) assert.deepEqual(d.errors, [], `${file} parses`);
      docs.set(file, parsed.map((d) => d.toJSON()).filter((d) => d !== null));
    }
  });
  after(async () => {
    await dispatcher?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('every k8s manifest is listed in kustomization.yaml, and everything listed exists (secrets.example.yaml never)', () => {
    const [kustomization] = docs.get('k8s/kustomization.yaml')!;
    const listed: string[] = kustomization.resources;
    const files = [...docs.keys()].filter((f) => f.startsWith('k8s/')).map((f) => f.slice(4));
    for (const r of listed) assert.ok(files.includes(r), `${r} exists`);
    const expected = files.filter((f) => f !== 'kustomization.yaml' && f !== 'secrets.example.yaml');
    assert.deepEqual([...listed].sort(), expected.sort());
    assert.ok(listed.includes('dispatcher.yaml'));
  });

  it('every TETHER_* variable in k8s and compose is a configuration key', () => {
    const names: Array<[string, string]> = [];
    for (const w of workloads()) for (const name of envOf(w).keys()) names.push([`${w.metadata.name}`, name]);
    const [compose] = docs.get('docker-compose.yml')!;
    for (const [svc, s] of Object.entries(compose.services as Record<string, Obj>)) for (const name of Object.keys(s.environment ?? {})) names.push([svc, name]);
    const tether = names.filter(([, n]) => n.startsWith('TETHER_'));
    assert.ok(tether.length > 50, 'the walk found the variables');
    const unknown = tether.filter(([, n]) => !NOT_KEYS.has(n) && !(n.slice(7).toLowerCase() in CONFIG_SCHEMA));
    assert.deepEqual(unknown, []);
  });

  it('every Secret and key a pod reads is shown in secrets.example.yaml', () => {
    const examples = new Map<string, Set<string>>();
    for (const s of ofKind('Secret', 'k8s/secrets.example.yaml')) examples.set(s.metadata.name, new Set(Object.keys(s.stringData ?? {})));
    const missing: string[] = [];
    const need = (where: string, secret: string, key?: string) => {
      if (!examples.has(secret)) missing.push(`${where}: Secret ${secret}`);
      else if (key && !examples.get(secret)!.has(key)) missing.push(`${where}: ${secret}/${key}`);
    };
    for (const w of workloads()) {
      // An optional key may be left out of the example (it shows it commented), not its Secret.
      for (const e of envOf(w).values()) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) need(w.metadata.name, ref.name, ref.optional ? undefined : ref.key);
      }
      for (const v of w.spec.template.spec.volumes ?? []) {
        if (!v.secret) continue;
        need(w.metadata.name, v.secret.secretName);
        for (const item of v.secret.items ?? []) need(w.metadata.name, v.secret.secretName, item.key);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('Services and probes name ports their pods declare, and select some pod', () => {
    const problems: string[] = [];
    for (const w of workloads()) {
      const ports = new Set(containers(w).flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.name)));
      for (const c of containers(w))
        for (const probe of [c.readinessProbe, c.livenessProbe]) if (probe?.tcpSocket && !ports.has(probe.tcpSocket.port)) problems.push(`${w.metadata.name}: probe port ${probe.tcpSocket.port}`);
    }
    for (const svc of ofKind('Service')) {
      const pods = workloads().filter((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
      if (!pods.length) problems.push(`Service ${svc.metadata.name} selects no pod`);
      for (const p of svc.spec.ports)
        for (const w of pods)
          if (!containers(w).some((c: Obj) => (c.ports ?? []).some((cp: Obj) => cp.name === p.targetPort))) problems.push(`Service ${svc.metadata.name}: ${p.targetPort} not in ${w.metadata.name}`);
    }
    assert.deepEqual(problems, []);
  });

  it('every NetworkPolicy port is a port of the pods it selects', () => {
    const problems: string[] = [];
    for (const np of ofKind('NetworkPolicy')) {
      const pods = workloads().filter((w) => matches(np.spec.podSelector.matchLabels, w.spec.template.metadata.labels));
      if (!pods.length) problems.push(`NetworkPolicy ${np.metadata.name} selects no pod`);
      const declared = new Set(pods.flatMap((w) => containers(w).flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.containerPort))));
      for (const rule of np.spec.ingress) for (const p of rule.ports ?? []) if (!declared.has(p.port)) problems.push(`NetworkPolicy ${np.metadata.name}: port ${p.port}`);
    }
    assert.deepEqual(problems, []);
  });

  it('edges, and only edges, preload the jemalloc the image links; this jemalloc accepts the MALLOC_CONF and takes', () => {
    const preload = '/usr/local/lib/libjemalloc.so.2';
    const dockerfile = readFileSync(join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8');
    assert.ok(dockerfile.includes('libjemalloc2') && dockerfile.includes(`/usr/local/lib/libjemalloc.so.2`), 'the image installs and links it');
    const edgeEnv = envOf(byName('StatefulSet', 'edge'));
    assert.equal(edgeEnv.get('LD_PRELOAD')?.value, preload);
    const conf: string = edgeEnv.get('MALLOC_CONF')?.value;
    assert.ok(conf, 'k8s edges set MALLOC_CONF');
    for (const w of workloads()) if (w.metadata.name !== 'edge') assert.ok(!envOf(w).has('LD_PRELOAD'), `${w.metadata.name} does not preload`);
    const [compose] = docs.get('docker-compose.yml')!;
    for (const [svc, def] of Object.entries(compose.services as Record<string, Obj>)) {
      const env = def.environment ?? {};
      if (def.command?.[0] === 'edge') assert.deepEqual([env.LD_PRELOAD, env.MALLOC_CONF], [preload, conf], `compose ${svc} as k8s`);
      else assert.equal(env.LD_PRELOAD, undefined, `compose ${svc} does not preload`);
    }
    // The library itself, where this machine has it (.ci/run installs libjemalloc2): jemalloc prints
    // "<jemalloc>: Invalid conf pair" on stderr for an option this version does not know.
    const lib = findJemalloc();
    if (!lib) return void console.log('libjemalloc2 is not installed here: the preload itself is not tried');
    const script = "Array.from({ length: 2000 }, () => Buffer.alloc(65536)); process.stdout.write(String(require('fs').readFileSync('/proc/self/maps', 'utf8').includes('libjemalloc')))";
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, LD_PRELOAD: lib, MALLOC_CONF: conf }, timeout: 20_000 });
    assert.equal(r.stderr.toString(), '');
    assert.equal(r.stdout.toString(), 'true');
  });

  it('the dispatcher runs once: one replica, Recreate, its state file on its PersistentVolumeClaim', () => {
    const d = byName('Deployment', 'dispatcher');
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'Recreate');
    const state: string = envOf(d).get('TETHER_DISPATCHER_STATE').value;
    const [c] = containers(d);
    const mount = c.volumeMounts.find((m: Obj) => state.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${state} is on a volume`);
    const volume = d.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
    byName('PersistentVolumeClaim', volume.persistentVolumeClaim?.claimName);
    // Listener ports are those the pod declares.
    const declared = new Set(c.ports.map((p: Obj) => String(p.containerPort)));
    for (const key of ['TETHER_DISPATCHER_LISTEN', 'TETHER_DISPATCHER_API_LISTEN', 'TETHER_DISPATCHER_CRL_LISTEN'])
      assert.ok(declared.has(envOf(d).get(key).value.split(':').pop()), `${key} is a declared port`);
  });

  it("the edges' crl_url and control's dispatcher_url reach the dispatcher's Services", () => {
    const d = byName('Deployment', 'dispatcher');
    const crlId = envOf(d).get('TETHER_DISPATCHER_CRL_ID').value;
    const crl = new URL(envOf(byName('StatefulSet', 'edge')).get('TETHER_CRL_URL').value);
    const crlSvc = byName('Service', crl.hostname.split('.')[0]);
    assert.equal(crl.protocol, 'http:');
    assert.ok(crlSvc.spec.ports.some((p: Obj) => String(p.port) === crl.port && p.targetPort === 'crl'), 'the URL port is the CRL Service port');
    assert.equal(crl.pathname, `/crl/${crlId}.crl`);

    const api = new URL(envOf(byName('Deployment', 'control')).get('TETHER_DISPATCHER_URL').value);
    const apiSvc = byName('Service', api.hostname.split('.')[0]);
    assert.equal(api.protocol, 'https:');
    assert.ok(apiSvc.spec.ports.some((p: Obj) => String(p.port) === api.port && p.targetPort === 'api'), 'the URL port is the API Service port');
  });

  it('compose: the dispatcher is behind a profile, and no default service depends on a profile-only one', () => {
    const [compose] = docs.get('docker-compose.yml')!;
    const services = compose.services as Record<string, Obj>;
    assert.deepEqual(services.dispatcher.profiles, ['dispatcher']);
    const optional = new Set(Object.entries(services).filter(([, s]) => s.profiles?.length).map(([n]) => n));
    const broken = Object.entries(services)
      .filter(([n]) => !optional.has(n))
      .flatMap(([n, s]) => Object.keys(s.depends_on ?? {}).filter((dep) => optional.has(dep)).map((dep) => `${n} → ${dep}`));
    assert.deepEqual(broken, []);
    // Every volume a service mounts is declared.
    const volumes = new Set(Object.keys(compose.volumes ?? {}));
    const undeclared = Object.values(services).flatMap((s: Obj) => (s.volumes ?? []).map((v: string) => v.split(':')[0]).filter((v: string) => !volumes.has(v)));
    assert.deepEqual(undeclared, []);
    // control's dispatcher_url names the dispatcher's API port.
    const api = new URL(services.control.environment.TETHER_DISPATCHER_URL);
    assert.equal(api.hostname, 'dispatcher');
    assert.equal(services.dispatcher.environment.TETHER_DISPATCHER_API_LISTEN.split(':').pop(), api.port);
  });

  it("k8s/dispatcher.yaml's environment starts a dispatcher: CRL at the edges' crl_url path, API for control's URL", { timeout: 60_000 }, async () => {
    const d = byName('Deployment', 'dispatcher');
    const [c] = containers(d);
    tmp = mkdtempSync(join(tmpdir(), 'tether-k8s-dispatcher-'));
    const tether = (...args: string[]) => execFileSync(process.execPath, [TETHER_BIN, ...args], { env: { ...process.env, TETHER_CA_PASSWORD: 'ca-pw', TETHER_DISPATCHER_PASSWORD: 'acme-pw' }, stdio: 'pipe' });
    // The Secrets, made as secrets.example.yaml says, then laid out where the pod's volumes put them.
    const ca = join(tmp, 'ca-dispatcher');
    const serverCa = join(tmp, 'ca-dispatcher-server');
    const control = new URL(envOf(byName('Deployment', 'control')).get('TETHER_DISPATCHER_URL').value);
    tether('pki', 'setup-dispatcher-ca', '--dir', ca, '--key-type', 'ec-p256');
    tether('pki', 'setup-provider-ca', '--dir', serverCa, '--key-type', 'ec-p256');
    tether('pki', 'issue-server-cert', '--dir', serverCa, '--host', `localhost,${control.hostname}`, '--out', join(tmp, 'dispatcher.pem'), '--key-type', 'ec-p256');
    tether('dispatcher-account', '--accounts', join(tmp, 'accounts'), '--user', 'acme');
    const secrets: Record<string, Record<string, string>> = {
      'tether-dispatcher-server-cert': { 'dispatcher.pem': join(tmp, 'dispatcher.pem') },
      'tether-dispatcher-ca-key': { 'dispatcher_ca.crt': join(ca, 'dispatcher_ca.crt'), 'dispatcher_ca.key': join(ca, 'dispatcher_ca.key') },
      'tether-dispatcher-auth': { accounts: join(tmp, 'accounts') },
    };
    const mounts = new Map<string, string>();
    for (const m of c.volumeMounts) {
      const dir = join(tmp, 'pod', m.name);
      mkdirSync(dir, { recursive: true });
      mounts.set(m.mountPath, dir);
      const v = d.spec.template.spec.volumes.find((x: Obj) => x.name === m.name);
      if (!v.secret) continue;
      const files = secrets[v.secret.secretName];
      assert.ok(files, `a Secret ${v.secret.secretName} for volume ${m.name}`);
      const items: Array<{ key: string; path: string }> = v.secret.items ?? Object.keys(files).map((k) => ({ key: k, path: k }));
      for (const item of items) copyFileSync(files[item.key], join(dir, item.path));
    }
    // Pod paths → the directories above; listeners → loopback ports; Secret values and the downward API.
    const ports = new Map<string, number>();
    const env: Record<string, string> = {};
    for (const e of c.env) {
      if (e.valueFrom?.fieldRef) env[e.name] = 'dispatcher-test';
      else if (e.valueFrom?.secretKeyRef) env[e.name] = e.valueFrom.secretKeyRef.key === 'ca-password' ? 'ca-pw' : assert.fail(`unexpected secret ${e.name}`);
      else env[e.name] = String(e.value).replace(/\$\(([A-Z_]+)\)/g, (_m, v: string) => env[v]);
      const listen = /^0\.0\.0\.0:(\d+)$/.exec(env[e.name]);
      if (listen) {
        const port = await freePort();
        ports.set(listen[1], port);
        env[e.name] = `127.0.0.1:${port}`;
      }
      // Once: the pod's /tmp mount would match the temporary directories themselves.
      const mount = [...mounts.keys()].find((path) => env[e.name] === path || env[e.name].startsWith(`${path}/`));
      if (mount) env[e.name] = mounts.get(mount) + env[e.name].slice(mount.length);
    }
    dispatcher = new TetherProcess(['dispatcher'], { env });
    await dispatcher.waitForOutput(/\[main\] started/, 30_000);

    const crlUrl = new URL(envOf(byName('StatefulSet', 'edge')).get('TETHER_CRL_URL').value);
    const crlPort = ports.get(String(byName('Service', crlUrl.hostname.split('.')[0]).spec.ports[0].port));
    const crl = await fetch(`http://127.0.0.1:${crlPort}${crlUrl.pathname}`);
    assert.equal(crl.status, 200);
    assert.equal(crl.headers.get('content-type'), 'application/pkix-crl');
    assert.ok((await crl.arrayBuffer()).byteLength > 100);

    // control's dispatcher_url host name is in the certificate; the mounted account file answers.
    const apiPort = ports.get(String(byName('Service', control.hostname.split('.')[0]).spec.ports[0].port))!;
    const register = (pass: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: apiPort, servername: control.hostname, path: '/register', method: 'POST', ca: readFileSync(join(serverCa, 'stserver_ca.crt')), headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res.on('data', (b) => (body += b));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ user: 'acme', pass, mac: '00408C000009', oak: '5A8A-26D0-52AC', server: 'edge.example.com:8443', caPem: readFileSync(join(serverCa, 'stserver_ca.crt'), 'utf8') }));
      });
    assert.deepEqual(await register('wrong'), { status: 401, body: JSON.stringify({ error: 'Invalid user or password' }) + '\n' });
    const known = await register('acme-pw');
    assert.equal(known.status, 404, known.body);
    assert.match(known.body, /Unknown MAC 00408C000009/);
    // The state file is on the PVC's mount.
    const state = mounts.get(c.volumeMounts.find((m: Obj) => m.name === 'state').mountPath)!;
    assert.ok(readdirSync(state).includes('dispatcher-state.json'));
  });
});
