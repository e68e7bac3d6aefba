/**
 * Test harness: a real etcd 3.4 (Debian's binary) plus N reference apiserver processes on
 * random loopback ports, with a token file for admin, a user, a node and the components.
 * Everything it starts is stopped and removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { freePort } from '../../../src/process/free-port.ts';
import { MemberProcess, externalEtcdCommand } from '../../../src/targets/etcd/member-process.ts';
import { waitUntil } from '../../../src/targets/etcd/wait-until.ts';

const MAIN = join(import.meta.dirname, '../main.ts');

export const TOKENS = {
  admin: 'admin-token',
  alice: 'alice-token',
  node1: 'node1-token',
  scheduler: 'scheduler-token',
};

export interface Harness {
  dir: string;
  etcdEndpoint: string;
  urls: string[];
  kubeconfig(token?: string, server?: string): Promise<string>;
  killApiserver(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
}

export function call(url: string, method: string, path: string, options: { token?: string; body?: unknown; contentType?: string; accept?: string; freshConnection?: boolean } = {}): Promise<HttpResult> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method,
      rejectUnauthorized: false,
      ...(options.freshConnection === true ? { agent: false } : {}),
      headers: {
        ...(options.token !== undefined ? { Authorization: `Bearer ${options.token}` } : {}),
        ...(options.accept !== undefined ? { Accept: options.accept } : {}),
        ...(payload !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
      },
      timeout: 20000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function startApiserver(dir: string, etcd: string, index: number, extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--etcd-servers', etcd, '--secure-port', '0', '--bind-address', '127.0.0.1', '--token-auth-file', join(dir, 'tokens.csv'), '--authorization-mode', 'Node,RBAC', '--service-cluster-ip-range', '10.96.0.0/24', '--service-node-port-range', '30000-30100', '--watch-bookmark-interval', '1', ...extra], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`apiserver ${index} did not start: ${log}`)), 60000);
    const file = createWriteStream(join(dir, `apiserver-${index}.log`));
    child.stderr?.on('data', (c: Buffer) => {
      file.write(c);
      log += c.toString();
      const m = /listening on (https:\/\/\S+)/.exec(log);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`apiserver ${index} exited with ${String(code)}: ${log}`));
    });
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-(child.pid as number), 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

export async function startHarness(options: { apiservers?: number; extraFlags?: string[] } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'kck-apiserver-test-'));
  const children: ChildProcess[] = [];
  let member: MemberProcess | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(killChild));
    if (process.env['KCK_KEEP_LOGS'] !== undefined) return;
    await member?.kill();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'tokens.csv'), [
      `${TOKENS.admin},admin,1,"system:masters"`,
      `${TOKENS.alice},alice,2,"developers"`,
      `${TOKENS.node1},system:node:node-1,3,"system:nodes"`,
      `${TOKENS.scheduler},system:kube-scheduler,4`,
    ].join('\n'));
    const etcdEndpoint = `http://127.0.0.1:${await freePort()}`;
    const peer = `http://127.0.0.1:${await freePort()}`;
    member = new MemberProcess({ name: 'm1', dataDir: join(dir, 'etcd'), clientUrl: etcdEndpoint, peerUrl: peer, initialCluster: `m1=${peer}`, initialClusterState: 'new', clusterToken: 't', logPath: join(dir, 'etcd.log') }, externalEtcdCommand);
    member.start();
    const started = await Promise.all(Array.from({ length: options.apiservers ?? 1 }, (_, i) => startApiserver(dir, etcdEndpoint, i, options.extraFlags ?? [])));
    for (const s of started) children.push(s.child);
    const urls = started.map((s) => s.url);
    for (const url of urls) await waitUntil(`apiserver ${url} ready`, async () => (await call(url, 'GET', '/readyz')).status === 200, { timeoutMs: 30000 });
    return {
      dir,
      etcdEndpoint,
      urls,
      async kubeconfig(token = TOKENS.admin, server = urls[0]) {
        const path = join(dir, `kubeconfig-${token}-${children.length}-${Math.random().toString(36).slice(2)}`);
        await writeFile(path, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server ?? ''}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: ${token}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\ncurrent-context: c\n`);
        return path;
      },
      async killApiserver(index) {
        const child = children[index];
        if (child !== undefined) await killChild(child);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
