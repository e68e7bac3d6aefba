import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildServicePortTable } from '../core/service-port-table.ts';
import { buildIptablesRuleSet, svcChain, type Chains, type IptablesOptions, type IptablesRuleSet } from '../core/iptables-rules.ts';
import { renderFull, renderIncremental } from '../core/iptables-restore-text.ts';
import type { EndpointSlice, Service } from '../core/api-types.ts';
import { service, slice } from './fixtures.ts';

const options: IptablesOptions = { nodeName: 'n1', clusterCIDR: '10.244.0.0/16', nodePortAddresses: [] };

function rules(set: IptablesRuleSet, table: 'nat' | 'filter', chain: string): string[] {
  return set[table].get(chain) ?? [];
}

test('a ClusterIP service with two endpoints gets the upstream chain layout', () => {
  const table = buildServicePortTable([service('svc1', '10.20.30.41', [{ name: 'p80', port: 80 }])], [slice('svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }, { ip: '10.180.0.2' }])]);
  const set = buildIptablesRuleSet(table, options);
  assert.deepEqual(rules(set, 'nat', 'KUBE-SERVICES'), [
    '-d 10.20.30.41/32 -p tcp -m tcp --dport 80 -m comment --comment "ns1/svc1:p80 cluster IP" -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  ]);
  const svc = rules(set, 'nat', 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal(svc.length, 3);
  assert.match(svc[0]!, /! -s 10\.244\.0\.0\/16 .* -j KUBE-MARK-MASQ$/);
  assert.match(svc[1]!, /-m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ$/);
  assert.doesNotMatch(svc[2]!, /statistic/);
  assert.deepEqual(rules(set, 'nat', 'KUBE-SEP-SXIVWICOYRO3J4NJ'), [
    '-s 10.180.0.1/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ',
    '-p tcp -m comment --comment "ns1/svc1:p80" -m tcp -j DNAT --to-destination 10.180.0.1:80',
  ]);
  assert.deepEqual(rules(set, 'filter', 'KUBE-SERVICES'), []);
});

test('a service without endpoints is rejected in the filter table, ClusterIP and NodePort alike', () => {
  const table = buildServicePortTable([service('empty', '10.96.0.9', [{ port: 80, nodePort: 30009 }], { type: 'NodePort' })], []);
  const set = buildIptablesRuleSet(table, options);
  assert.equal([...set.nat.keys()].some((c) => c.startsWith('KUBE-SVC-')), false);
  assert.match(rules(set, 'filter', 'KUBE-SERVICES')[0]!, /-d 10\.96\.0\.9\/32 -p tcp -m tcp --dport 80 .*has no endpoints" -j REJECT/);
  assert.match(rules(set, 'filter', 'KUBE-EXTERNAL-SERVICES')[0]!, /--dst-type LOCAL -p tcp -m tcp --dport 30009 .* -j REJECT/);
});

test('NodePort and ClientIP affinity: KUBE-NODEPORTS -> KUBE-EXT -> KUBE-SVC, recent match per endpoint', () => {
  const table = buildServicePortTable(
    [service('web', '10.96.0.10', [{ port: 80, nodePort: 30080, protocol: 'UDP' }], { type: 'NodePort', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })],
    [slice('web', [{ port: 8080, protocol: 'UDP' }], [{ ip: '10.244.1.2' }])],
  );
  const set = buildIptablesRuleSet(table, options);
  const svc = svcChain(table[0]!.service);
  const ext = svc.replace('KUBE-SVC-', 'KUBE-EXT-');
  assert.deepEqual(rules(set, 'nat', 'KUBE-NODEPORTS'), [`-p udp -m udp --dport 30080 -m comment --comment "ns1/web:" -j ${ext}`]);
  assert.deepEqual(rules(set, 'nat', ext), ['-m comment --comment "masquerade traffic for ns1/web: external destinations" -j KUBE-MARK-MASQ', `-j ${svc}`]);
  assert.match(rules(set, 'nat', svc)[1]!, /-m recent --name KUBE-SEP-\w+ --mask 255\.255\.255\.255 --rsource --rcheck --seconds 60 --reap/);
  const sep = [...set.nat.keys()].find((c) => c.startsWith('KUBE-SEP-'))!;
  assert.match(rules(set, 'nat', sep)[1]!, /-p udp .* --rsource --set -m udp -j DNAT --to-destination 10\.244\.1\.2:8080/);
});

test('externalTrafficPolicy Local sends external traffic only to local endpoints, and drops when none is local', () => {
  const svc = service('web', '10.96.0.10', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', externalTrafficPolicy: 'Local' });
  const eps = slice('web', [{ port: 8080 }], [{ ip: '10.244.1.2', node: 'n1' }, { ip: '10.244.2.2', node: 'n2' }]);
  const set = buildIptablesRuleSet(buildServicePortTable([svc], [eps]), options);
  const svl = [...set.nat.keys()].find((c) => c.startsWith('KUBE-SVL-'))!;
  assert.equal(rules(set, 'nat', svl).length, 1);
  assert.match(rules(set, 'nat', svl)[0]!, /10\.244\.1\.2:8080/);
  const elsewhere = buildIptablesRuleSet(buildServicePortTable([svc], [eps]), { ...options, nodeName: 'n3' });
  assert.match(rules(elsewhere, 'filter', 'KUBE-EXTERNAL-SERVICES')[0]!, /has no local endpoints" -j DROP$/);
});

// ---- properties over random services and endpoints ----

const arbEndpoint = fc.record({ host: fc.integer({ min: 1, max: 250 }), ready: fc.boolean(), serving: fc.boolean() });
const arbService = fc.record({
  index: fc.integer({ min: 1, max: 200 }),
  port: fc.integer({ min: 1, max: 65535 }),
  udp: fc.boolean(),
  endpoints: fc.uniqueArray(arbEndpoint, { selector: (e) => e.host, maxLength: 12 }),
});
const arbCluster = fc.uniqueArray(arbService, { selector: (s) => s.index, maxLength: 6 });

interface ArbService {
  index: number;
  port: number;
  udp: boolean;
  endpoints: Array<{ host: number; ready: boolean; serving: boolean }>;
}

function objects(cluster: ArbService[]): { services: Service[]; slices: EndpointSlice[] } {
  const protocol = (udp: boolean): 'TCP' | 'UDP' => (udp ? 'UDP' : 'TCP');
  return {
    services: cluster.map((s) => service(`s${s.index}`, `10.96.0.${s.index}`, [{ name: 'p', port: s.port, protocol: protocol(s.udp) }])),
    slices: cluster.map((s) => slice(`s${s.index}`, [{ name: 'p', port: 8000 + s.index, protocol: protocol(s.udp) }], s.endpoints.map((e) => ({ ip: `10.244.${s.index}.${e.host}`, ready: e.ready, serving: e.serving })))),
  };
}

test('property: every ready endpoint gets a DNAT rule, no rule for a non-ready one, and the random probabilities give each 1/n', () => {
  fc.assert(
    fc.property(arbCluster, (cluster) => {
      const { services, slices } = objects(cluster);
      const table = buildServicePortTable(services, slices);
      const set = buildIptablesRuleSet(table, options);
      for (const s of cluster) {
        const entry = table.find((e) => e.service.service === `s${s.index}`)!;
        const ready = s.endpoints.filter((e) => e.ready).map((e) => `10.244.${s.index}.${e.host}:${8000 + s.index}`);
        const chain = rules(set, 'nat', svcChain(entry.service));
        const targets = chain.filter((r) => !r.includes('KUBE-MARK-MASQ')).map((r) => r.replace(/^.* -j /, ''));
        const dnats = targets.map((sep) => rules(set, 'nat', sep).find((r) => r.includes('DNAT'))!.replace(/^.*--to-destination /, ''));
        if (ready.length > 0) assert.deepEqual([...dnats].sort(), [...ready].sort());
        else if (chain.length === 0) assert.ok(rules(set, 'filter', 'KUBE-SERVICES').some((r) => r.includes(`-d 10.96.0.${s.index}/32`) && r.includes('REJECT')));
        // Reach probability of each rule: p_k * prod_{j<k}(1 - p_j) must be 1/n.
        const ps = chain.filter((r) => !r.includes('KUBE-MARK-MASQ')).map((r) => Number(/--probability (\S+)/.exec(r)?.[1] ?? '1'));
        let remaining = 1;
        for (const p of ps) {
          assert.ok(Math.abs(remaining * p - 1 / ps.length) < 1e-8, `share ${remaining * p} vs 1/${ps.length}`);
          remaining *= 1 - p;
        }
        if (ps.length > 0) assert.ok(Math.abs(remaining) < 1e-8);
      }
    }),
  );
});

/** A model of `iptables-restore --noflush` on user chains: ':' creates/flushes, -A appends, -X deletes. */
function applyRestore(state: Record<'nat' | 'filter', Chains>, text: string): void {
  let chains: Chains | undefined;
  for (const line of text.split('\n')) {
    if (line === '*nat' || line === '*filter') chains = state[line.slice(1) as 'nat' | 'filter'];
    else if (line.startsWith(':')) chains!.set(line.slice(1).split(' ')[0]!, []);
    else if (line.startsWith('-A ')) {
      const [, chain, ...rest] = line.split(' ');
      chains!.get(chain!)!.push(rest.join(' '));
    } else if (line.startsWith('-X ')) {
      const name = line.slice(3);
      for (const rs of chains!.values()) assert.ok(!rs.some((r) => r.endsWith(`-j ${name}`)), `${name} deleted while referenced`);
      chains!.delete(name);
    }
  }
}

test('property: an incremental resync brings the previous rule set exactly to the next one, without deleting a referenced chain', () => {
  fc.assert(
    fc.property(arbCluster, arbCluster, (before, after) => {
      const a = objects(before);
      const b = objects(after);
      const prev = buildIptablesRuleSet(buildServicePortTable(a.services, a.slices), options);
      const next = buildIptablesRuleSet(buildServicePortTable(b.services, b.slices), options);
      const state = { nat: new Map<string, string[]>(), filter: new Map<string, string[]>() };
      applyRestore(state, renderFull(prev));
      applyRestore(state, renderIncremental(prev, next));
      assert.deepEqual(state, { nat: next.nat, filter: next.filter });
      if (JSON.stringify(before) === JSON.stringify(after)) assert.equal(renderIncremental(prev, next), '');
    }),
  );
});

test('an endpoint change rewrites only that service chain and its endpoint chains', () => {
  const svcs = [service('a', '10.96.0.1', [{ port: 80 }]), service('b', '10.96.0.2', [{ port: 80 }])];
  const prev = buildIptablesRuleSet(buildServicePortTable(svcs, [slice('a', [{ port: 80 }], [{ ip: '10.244.0.1' }]), slice('b', [{ port: 80 }], [{ ip: '10.244.0.2' }])]), options);
  const next = buildIptablesRuleSet(buildServicePortTable(svcs, [slice('a', [{ port: 80 }], [{ ip: '10.244.0.1' }]), slice('b', [{ port: 80 }], [{ ip: '10.244.0.3' }])]), options);
  const text = renderIncremental(prev, next);
  const declared = text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1, l.indexOf(' ')));
  const tableB = buildServicePortTable(svcs, [])[1]!.service;
  assert.equal(declared.length, 3, text); // KUBE-SVC-b, new KUBE-SEP, old KUBE-SEP
  assert.ok(declared.includes(svcChain(tableB)));
  assert.equal(text.split('\n').filter((l) => l.startsWith('-X ')).length, 1);
  assert.ok(!text.includes('*filter'));
});
