import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildServicePortTable } from '../core/service-port-table.ts';
import { buildNftablesRuleSet, nftServiceChain, renderNftables } from '../core/nftables-rules.ts';
import { service, slice } from './fixtures.ts';

test('nftables: a verdict-map element per ClusterIP, numgen over the ready endpoints, a DNAT chain per endpoint', () => {
  const table = buildServicePortTable([service('svc1', '172.30.0.41', [{ name: 'p80', port: 80 }])], [slice('svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }, { ip: '10.180.0.2' }, { ip: '10.180.0.3', ready: false }])]);
  const set = buildNftablesRuleSet(table, { nodeName: 'n1', clusterCIDR: undefined });
  const svc = nftServiceChain(table[0]!.service);
  assert.match(svc, /^service-[A-Z2-7]{8}-ns1\/svc1\/tcp\/p80$/);
  assert.deepEqual(set.maps.get('service-ips')?.elements, [`172.30.0.41 . tcp . 80 : goto ${svc}`]);
  const rules = set.chains.get(svc)!;
  assert.equal(rules.length, 1);
  assert.match(rules[0]!, /^numgen random mod 2 vmap \{ 0 : goto endpoint-\S+__10\.180\.0\.1\/80, 1 : goto endpoint-\S+__10\.180\.0\.2\/80 \}$/);
  const dnats = [...set.chains.values()].flat().filter((r) => r.includes('dnat to'));
  assert.deepEqual(dnats, ['meta l4proto tcp dnat to 10.180.0.1:80', 'meta l4proto tcp dnat to 10.180.0.2:80']);
});

test('nftables: no endpoints means a reject element and no service chain', () => {
  const table = buildServicePortTable([service('e', '10.96.0.9', [{ port: 80, nodePort: 30009 }], { type: 'NodePort' })], []);
  const set = buildNftablesRuleSet(table, { nodeName: 'n1', clusterCIDR: '10.244.0.0/16' });
  assert.deepEqual(set.maps.get('no-endpoint-services')?.elements, ['10.96.0.9 . tcp . 80 : goto reject-chain']);
  assert.deepEqual(set.maps.get('no-endpoint-nodeports')?.elements, ['tcp . 30009 : goto reject-chain']);
  assert.ok(![...set.chains.keys()].some((c) => c.startsWith('service-') && c.includes('/')));
});

test('property: every ready endpoint of every service gets exactly one DNAT chain, and the rendering declares every chain it jumps to', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.record({ index: fc.integer({ min: 1, max: 200 }), ready: fc.array(fc.boolean(), { maxLength: 6 }) }), { selector: (s) => s.index, maxLength: 5 }), (cluster) => {
      const table = buildServicePortTable(
        cluster.map((s) => service(`s${s.index}`, `10.96.0.${s.index}`, [{ name: 'p', port: 80 }])),
        cluster.map((s) => slice(`s${s.index}`, [{ name: 'p', port: 8080 }], s.ready.map((r, i) => ({ ip: `10.244.${s.index}.${i + 1}`, ready: r })))),
      );
      const set = buildNftablesRuleSet(table, { nodeName: 'n1', clusterCIDR: undefined });
      const dnats = [...set.chains.values()].flat().filter((r) => r.includes('dnat to')).map((r) => r.replace(/^.*dnat to /, '')).sort();
      const ready = cluster.flatMap((s) => s.ready.flatMap((r, i) => (r ? [`10.244.${s.index}.${i + 1}:8080`] : []))).sort();
      assert.deepEqual(dnats, ready);
      const text = renderNftables(set);
      for (const m of text.matchAll(/goto (\S+?)[,} \n]/g)) assert.ok(set.chains.has(m[1]!), `goto undeclared chain ${m[1]}`);
    }),
  );
});
