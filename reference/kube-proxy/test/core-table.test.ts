import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256, chainHash } from '../core/sha256.ts';
import { buildServicePortTable, usableEndpoints } from '../core/service-port-table.ts';
import { service, slice } from './fixtures.ts';

test('sha256 matches node:crypto for any text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      assert.equal(Buffer.from(sha256(text)).toString('hex'), createHash('sha256').update(text, 'utf8').digest('hex'));
    }),
  );
});

test('chain names are the ones upstream kube-proxy computes', () => {
  // Known pairs from upstream kube-proxy rule dumps (ns1/svc1:p80, tcp, endpoint 10.180.0.1:80).
  assert.equal('KUBE-SVC-' + chainHash('ns1/svc1:p80tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal('KUBE-SEP-' + chainHash('ns1/svc1:p80tcp10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
});

test('service ports are named ns/name:port and carry type-specific addresses', () => {
  const svc = service('web', '10.96.0.10', [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }], {
    type: 'LoadBalancer',
    sessionAffinity: 'ClientIP',
    externalTrafficPolicy: 'Local',
  });
  svc.status = { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } };
  const [http, dns] = buildServicePortTable([svc], []);
  assert.equal(http?.service.name, 'ns1/web:http');
  assert.equal(http?.service.nodePort, 30080);
  assert.deepEqual(http?.service.loadBalancerIPs, ['192.0.2.7']);
  assert.equal(http?.service.affinityTimeoutSeconds, 10800);
  assert.equal(http?.service.externalPolicyLocal, true);
  assert.equal(dns?.service.protocol, 'UDP');
  assert.equal(dns?.service.nodePort, undefined);
});

test('headless and ExternalName services get no entry', () => {
  const table = buildServicePortTable([service('h', 'None', [{ port: 80 }]), service('x', '', [{ port: 80 }], { type: 'ExternalName' })], []);
  assert.deepEqual(table, []);
});

test('slice ports resolve by port name; slices of other services are ignored', () => {
  const svc = service('web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 'web' }]);
  const table = buildServicePortTable(
    [svc],
    [slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }]), slice('other', [{ name: 'http', port: 9090 }], [{ ip: '10.244.9.9' }])],
  );
  assert.deepEqual(
    table[0]?.endpoints.map((e) => `${e.ip}:${e.port}`),
    ['10.244.1.2:8080'],
  );
});

test('ready endpoints are used; terminating-serving ones only when none is ready', () => {
  const svc = service('web', '10.96.0.10', [{ port: 80 }]);
  const mixed = buildServicePortTable([svc], [slice('web', [{ port: 8080 }], [{ ip: '10.244.1.2' }, { ip: '10.244.1.3', ready: false, serving: true, terminating: true }, { ip: '10.244.1.4', ready: false, serving: false }])]);
  assert.deepEqual(usableEndpoints(mixed[0]!, undefined, false).map((e) => e.ip), ['10.244.1.2']);
  const draining = buildServicePortTable([svc], [slice('web', [{ port: 8080 }], [{ ip: '10.244.1.3', ready: false, serving: true, terminating: true }, { ip: '10.244.1.4', ready: false, serving: false }])]);
  assert.deepEqual(usableEndpoints(draining[0]!, undefined, false).map((e) => e.ip), ['10.244.1.3']);
});

test('externalTrafficPolicy Local keeps only endpoints on this node', () => {
  const svc = service('web', '10.96.0.10', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', externalTrafficPolicy: 'Local' });
  const [entry] = buildServicePortTable([svc], [slice('web', [{ port: 8080 }], [{ ip: '10.244.1.2', node: 'n1' }, { ip: '10.244.2.2', node: 'n2' }])]);
  assert.deepEqual(usableEndpoints(entry!, 'n2', true).map((e) => e.ip), ['10.244.2.2']);
  assert.equal(usableEndpoints(entry!, 'n2', false).length, 2);
});

test('an endpoint listed in two slices appears once', () => {
  const svc = service('web', '10.96.0.10', [{ port: 80 }]);
  const [entry] = buildServicePortTable([svc], [slice('web', [{ port: 8080 }], [{ ip: '10.244.1.2', ready: false }], 'a'), slice('web', [{ port: 8080 }], [{ ip: '10.244.1.2' }], 'b')]);
  assert.equal(entry?.endpoints.length, 1);
  assert.equal(entry?.endpoints[0]?.ready, true);
});
