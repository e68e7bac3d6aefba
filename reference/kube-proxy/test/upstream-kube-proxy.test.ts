/**
 * Conformance of the iptables rule set against the real upstream kube-proxy: both proxies
 * watch the same upstream kube-apiserver, each in its own network namespace (reached over
 * a Unix-socket bridge), and program the kernel there. The service chains are then read
 * back with iptables-save and compared structurally: chain names (the same hashes), which
 * ClusterIP/NodePort/protocol jumps where, the per-endpoint probabilities, affinity
 * (recent) rules, DNAT destinations and the REJECTs for services without endpoints.
 * Skipped, with the reason, without root or without the upstream binaries.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../../src/clients/kube/kube-client.ts';
import { connectionFromKubeconfig } from '../../../src/clients/kube/connection.ts';
import { startUpstreamControlPlane } from '../../../src/targets/upstream/upstream-control-plane.ts';
import { upstreamSkipReason } from '../../../src/targets/upstream/upstream-test-support.ts';
import { missingUpstreamBinaries, upstreamBinDir } from '../../../src/targets/upstream/upstream-binaries.ts';
import { parseSave } from '../core/iptables-restore-text.ts';
import type { Chains } from '../core/iptables-rules.ts';
import { runCommand } from '../shell/run-command.ts';
import { Child } from '../testing/child-process.ts';
import { unixToTcp } from '../testing/unix-bridge.ts';
import { service, slice } from './fixtures.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const BRIDGE = fileURLToPath(new URL('../testing/unix-bridge.ts', import.meta.url));

/** The service part of a rule set, independent of option order and comment text. */
export function structure(save: { nat: Chains; filter: Chains }): string[] {
  const out: string[] = [];
  const field = (rule: string, re: RegExp): string => re.exec(rule)?.[1] ?? '-';
  const jump = (rule: string): string => field(rule, /(?:^|\s)-j (\S+)/);
  const dest = (rule: string): string => field(rule, /(?:^|\s)-d (\d+\.\d+\.\d+\.\d+)/);
  for (const rule of save.nat.get('KUBE-SERVICES') ?? [])
    if (/KUBE-(SVC|EXT)-/.test(jump(rule))) out.push(`services ${dest(rule)} ${field(rule, /-p (\w+)/)} ${field(rule, /--dport (\d+)/)} -> ${jump(rule)}`);
  // Localhost NodePorts (-d 127.0.0.0/8, upstream --iptables-localhost-nodeports, with an
  // nfacct counter) are not offered by the reference; every other NodePort rule is compared.
  for (const rule of save.nat.get('KUBE-NODEPORTS') ?? []) if (!rule.includes('-d 127.0.0.0/8')) out.push(`nodeports ${field(rule, /-p (\w+)/)} ${field(rule, /--dport (\d+)/)} -> ${jump(rule)}`);
  for (const [chain, rules] of save.nat) {
    if (/^KUBE-(SVC|SVL|EXT)-/.test(chain))
      rules.forEach((rule, i) => {
        const how = rule.includes('--rcheck') ? `recent ${field(rule, /--seconds (\d+)/)}` : rule.includes('--probability') ? `p=${Number(field(rule, /--probability (\S+)/)).toFixed(6)}` : rule.includes('! -s') ? `not-from ${field(rule, /! -s (\S+)/)}` : 'always';
        out.push(`${chain} #${i} ${how} -> ${jump(rule)}`);
      });
    if (chain.startsWith('KUBE-SEP-'))
      for (const rule of rules) if (rule.includes('DNAT')) out.push(`${chain} DNAT ${field(rule, /-p (\w+)/)} ${field(rule, /--to-destination (\S+)/)}${rule.includes('--set') ? ' recent-set' : ''}`);
  }
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'])
    for (const rule of save.filter.get(chain) ?? [])
      if (/REJECT|DROP/.test(jump(rule))) out.push(`filter ${chain} ${dest(rule)} ${field(rule, /-p (\w+)/)} ${field(rule, /--dport (\d+)/)} ${jump(rule)}`);
  return out.sort();
}

async function sh(args: string[]): Promise<string> {
  const r = await runCommand(args[0]!, args.slice(1));
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}


type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Plain text of an nft JSON value, comments dropped (they carry no behaviour). */
function text(v: Json): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return v.map(text).join(' . ');
  if ('elem' in v) return text(v['elem']!);
  if ('val' in v) return text(v['val']!);
  if ('concat' in v) return text(v['concat']!);
  if ('goto' in v) return `goto ${text((v['goto'] as { target: Json }).target)}`;
  if ('jump' in v) return `jump ${text((v['jump'] as { target: Json }).target)}`;
  if ('prefix' in v) return `${text((v['prefix'] as { addr: Json }).addr)}/${text((v['prefix'] as { len: Json }).len)}`;
  return JSON.stringify(v);
}

/** The service part of an `nft -j list table` dump: map elements, chain names, DNATs, endpoint choice. */
export function nftStructure(dump: string): string[] {
  const out: string[] = [];
  const items = (JSON.parse(dump) as { nftables: Array<Record<string, Record<string, Json>>> }).nftables;
  const names: Record<string, string> = { 'service-ips': 'services', 'service-nodeports': 'nodeports', 'no-endpoint-services': 'no-endpoint services', 'no-endpoint-nodeports': 'no-endpoint nodeports' };
  for (const item of items) {
    const map = item['map'];
    if (map !== undefined && typeof map['name'] === 'string' && names[map['name']] !== undefined)
      for (const e of (map['elem'] as Json[] | undefined) ?? []) {
        const [key, value] = e as [Json, Json];
        out.push(`${names[map['name']]} ${text(key)} -> ${text(value)}`);
      }
    const chain = item['chain'];
    if (chain !== undefined && /^(service|endpoint|external|local)-/.test(String(chain['name']))) out.push(`chain ${String(chain['name'])}`);
    const rule = item['rule'];
    if (rule !== undefined && /^(service|endpoint|external|local)-/.test(String(rule['chain']))) {
      const expr = JSON.stringify(rule['expr']);
      const dnat = /"dnat":\{"addr":"([\d.]+)","port":(\d+)/.exec(expr);
      if (dnat !== null) out.push(`${String(rule['chain'])} dnat ${dnat[1]}:${dnat[2]}`);
      const targets = [...expr.matchAll(/"goto":\{"target":"([^"]+)"\}/g)].map((m) => m[1]);
      if (expr.includes('numgen')) out.push(`${String(rule['chain'])} numgen -> ${targets.join(' ')}`);
      else if (targets.length > 0) out.push(`${String(rule['chain'])} goto ${targets.join(' ')}${expr.includes('"set"') || expr.includes('@') ? ' (affinity)' : ''}`);
    }
  }
  return out.sort();
}

async function compareWithUpstream(t: TestContext, mode: 'iptables' | 'nftables'): Promise<void> {
  const reason = process.getuid?.() !== 0 ? 'needs root for network namespaces' : ((await upstreamSkipReason()) ?? ((await missingUpstreamBinaries(upstreamBinDir(), ['kube-proxy'])).length > 0 ? 'upstream kube-proxy not built' : undefined));
  if (reason !== undefined) {
    t.skip(reason);
    return;
  }
  const id = randomBytes(2).toString('hex');
  const namespaces = { upstream: `kck-pxcmp${id}-up`, reference: `kck-pxcmp${id}-ref` };
  const dir = await mkdtemp(join(tmpdir(), 'kck-proxy-compare-'));
  const children: Child[] = [];
  const cp = await startUpstreamControlPlane({ controllerManager: false, scheduler: false, log: (l) => t.diagnostic(l) });
  const created: string[] = [];
  try {
    const apiPort = Number(new URL(cp.server).port);
    const socket = join(dir, 'apiserver.sock');
    const bridge = await unixToTcp(socket, '127.0.0.1', apiPort);
    t.after(() => bridge.close());
    for (const ns of Object.values(namespaces)) {
      await sh(['ip', 'netns', 'add', ns]);
      created.push(ns);
      await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      const child = new Child('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', BRIDGE, '--listen', `127.0.0.1:${apiPort}`, '--unix', socket]);
      children.push(child);
      await child.waitFor(/bridge ready/, 60_000);
    }

    const kube = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
    const svcs = [
      service('web', '', [{ name: 'p80', port: 80 }], {}, 'default'),
      service('np', '', [{ name: 'http', port: 8080, nodePort: 31080 }], { type: 'NodePort' }, 'default'),
      service('local', '', [{ name: 'http', port: 8081, nodePort: 31081 }], { type: 'NodePort', externalTrafficPolicy: 'Local' }, 'default'),
      service('sticky', '', [{ name: 'p', port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }, 'default'),
      service('dns', '', [{ name: 'dns', port: 53, protocol: 'UDP' }], {}, 'default'),
      service('empty', '', [{ name: 'p', port: 80, nodePort: 31082 }], { type: 'NodePort' }, 'default'),
    ];
    for (const s of svcs) {
      delete s.spec!.clusterIP;
      delete s.spec!.clusterIPs;
      await kube.create(s);
    }
    const slices = [
      slice('web', [{ name: 'p80', port: 8080 }], [{ ip: '10.244.1.2' }, { ip: '10.244.2.2' }, { ip: '10.244.3.2' }, { ip: '10.244.4.2', ready: false, serving: false }], 'web-1', 'default'),
      slice('np', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.3', node: 'n1' }], 'np-1', 'default'),
      slice('local', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.6', node: 'n1' }, { ip: '10.244.2.6', node: 'n2' }], 'local-1', 'default'),
      slice('sticky', [{ name: 'p', port: 8080 }], [{ ip: '10.244.1.4' }, { ip: '10.244.2.4' }], 'sticky-1', 'default'),
      slice('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], [{ ip: '10.244.1.5' }], 'dns-1', 'default'),
    ];
    for (const s of slices) await kube.create(s);

    const kubeProxy = join(upstreamBinDir(), 'kube-proxy');
    const common = ['--kubeconfig', cp.kubeconfigPath, '--proxy-mode', mode, '--hostname-override', 'n1', '--cluster-cidr', '10.244.0.0/16'];
    children.push(new Child('ip', ['netns', 'exec', namespaces.upstream, kubeProxy, ...common, '--conntrack-max-per-core', '0', '--metrics-bind-address', '127.0.0.1:10249']));
    children.push(new Child('ip', ['netns', 'exec', namespaces.reference, process.execPath, '--import', 'tsx', MAIN, ...common, '--metrics-bind-address', '127.0.0.1:10249']));

    const read = async (ns: string): Promise<string[]> =>
      mode === 'iptables' ? structure(parseSave(await sh(['ip', 'netns', 'exec', ns, 'iptables-save']))) : nftStructure(await sh(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'ip', 'kube-proxy']).catch(() => '{"nftables":[]}'));
    // Both converge on the same objects: wait until both are programmed and stable.
    const deadline = Date.now() + 120_000;
    let up: string[] = [];
    let ref: string[] = [];
    let previous = '';
    const programmed = (x: string[]): boolean => x.filter((l) => l.startsWith('services ')).length >= 5 && x.some((l) => l.startsWith('filter') || l.startsWith('no-endpoint'));
    for (;;) {
      up = await read(namespaces.upstream);
      ref = await read(namespaces.reference);
      const now = JSON.stringify([up, ref]);
      if ((programmed(up) && programmed(ref) && now === previous) || Date.now() > deadline) break;
      previous = now;
      await new Promise((r) => setTimeout(r, 1000));
    }
    t.diagnostic(`upstream ${mode} structure:\n${up.join('\n')}`);
    assert.ok(up.length > 10, `upstream kube-proxy programmed too little:\n${up.join('\n')}\n${children[2]!.lines.slice(-30).join('\n')}`);
    assert.deepEqual(ref, up);
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    for (const ns of created) await runCommand('ip', ['netns', 'del', ns]);
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

test('the iptables rule set matches the upstream kube-proxy chain for chain', { timeout: 300_000 }, (t) => compareWithUpstream(t, 'iptables'));

test('the nftables table matches the upstream kube-proxy in nftables mode', { timeout: 300_000 }, (t) => compareWithUpstream(t, 'nftables'));
