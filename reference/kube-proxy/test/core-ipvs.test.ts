import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildServicePortTable } from '../core/service-port-table.ts';
import { buildVirtualServers, renderIpvsadmRestore, IPVS_SCHEDULERS, type VirtualServer } from '../core/ipvs-table.ts';
import { createScheduler, hashTable } from '../core/ipvs-schedulers.ts';
import { VirtualServerBalancer } from '../core/virtual-server-balancer.ts';
import { service, slice } from './fixtures.ts';

test('virtual servers per ClusterIP, node address x NodePort and load-balancer IP, rendered as ipvsadm-restore text', () => {
  const svc = service('web', '10.96.0.10', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'LoadBalancer', sessionAffinity: 'ClientIP' });
  svc.status = { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } };
  const table = buildServicePortTable([svc], [slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }, { ip: '10.244.1.3', ready: false }])]);
  const vs = buildVirtualServers(table, { nodeName: 'n1', nodeAddresses: ['172.18.0.2'], scheduler: 'lc' });
  assert.deepEqual(vs.map((v) => `${v.kind} ${v.address}:${v.port}`), ['cluster-ip 10.96.0.10:80', 'node-port 172.18.0.2:30080', 'load-balancer 192.0.2.7:80']);
  assert.equal(
    renderIpvsadmRestore(vs.slice(0, 1)),
    '-A -t 10.96.0.10:80 -s lc -p 10800\n-a -t 10.96.0.10:80 -r 10.244.1.2:8080 -m -w 1\n',
  );
});

const loads = (n: number) => Array.from({ length: n }, () => ({ weight: 1, active: 0, inactive: 0 }));

test('rr visits servers in turn', () => {
  const rr = createScheduler('rr');
  const picks = Array.from({ length: 7 }, () => rr.pick({ servers: loads(3), sourceAddress: '1.1.1.1', destinationAddress: '2.2.2.2' }));
  assert.deepEqual(picks, [0, 1, 2, 0, 1, 2, 0]);
});

test('wrr serves weights 3:1 in the kernel interleaving', () => {
  const wrr = createScheduler('wrr');
  const servers = [{ weight: 3, active: 0, inactive: 0 }, { weight: 1, active: 0, inactive: 0 }];
  const picks = Array.from({ length: 8 }, () => wrr.pick({ servers, sourceAddress: '', destinationAddress: '' }));
  assert.deepEqual(picks, [0, 0, 0, 1, 0, 0, 0, 1]);
});

test('lc picks the server with the fewest active connections; wlc divides by weight', () => {
  const servers = [{ weight: 1, active: 3, inactive: 0 }, { weight: 1, active: 1, inactive: 0 }, { weight: 1, active: 2, inactive: 0 }];
  assert.equal(createScheduler('lc').pick({ servers, sourceAddress: '', destinationAddress: '' }), 1);
  const weighted = [{ weight: 4, active: 3, inactive: 0 }, { weight: 1, active: 1, inactive: 0 }];
  assert.equal(createScheduler('wlc').pick({ servers: weighted, sourceAddress: '', destinationAddress: '' }), 0);
});

test('property: sh maps one source address to one server; the hash table shares buckets by weight', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 1, max: 9 }), (ip, n) => {
      const sh = createScheduler('sh');
      const first = sh.pick({ servers: loads(n), sourceAddress: ip, destinationAddress: '' });
      for (let i = 0; i < 5; i++) assert.equal(sh.pick({ servers: loads(n), sourceAddress: ip, destinationAddress: '' }), first);
      const counts = new Map<number, number>();
      for (const s of hashTable(loads(n))) counts.set(s!, (counts.get(s!) ?? 0) + 1);
      assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1);
    }),
  );
});

function vsWith(scheduler: VirtualServer['scheduler'], n: number, persistenceSeconds?: number): VirtualServer {
  return {
    service: 'ns/s:p',
    kind: 'cluster-ip',
    protocol: 'tcp',
    address: '10.96.0.1',
    port: 80,
    scheduler,
    persistenceSeconds,
    realServers: Array.from({ length: n }, (_, i) => ({ address: `10.244.0.${i + 1}`, port: 80, weight: 1 })),
  };
}

test('balancer: lc with held connections sends the next one to the least loaded server', () => {
  const b = new VirtualServerBalancer(vsWith('lc', 3));
  const held = [b.open('c', 'v', 0)!, b.open('c', 'v', 0)!, b.open('c', 'v', 0)!, b.open('c', 'v', 0)!];
  assert.deepEqual(held.map((s) => s.address), ['10.244.0.1', '10.244.0.2', '10.244.0.3', '10.244.0.1']);
  b.close(held[1]!, 'c', 0);
  assert.equal(b.open('c', 'v', 0)?.address, '10.244.0.2');
});

test('balancer: persistence pins a client until the timeout passes unused, and survives endpoint updates', () => {
  const b = new VirtualServerBalancer(vsWith('rr', 3, 10));
  const first = b.open('192.0.2.1', 'v', 0)!;
  b.close(first, '192.0.2.1', 1000);
  assert.equal(b.open('192.0.2.1', 'v', 5000)?.address, first.address);
  b.update(vsWith('rr', 4, 10));
  assert.equal(b.open('192.0.2.1', 'v', 6000)?.address, first.address);
  assert.notEqual(b.open('192.0.2.1', 'v', 6000 + 10_001)?.address, undefined);
  const other = b.open('192.0.2.2', 'v', 0)!;
  assert.ok(other !== undefined);
});

test('property: every scheduler only ever picks a server with weight > 0 and none from an empty set', () => {
  fc.assert(
    fc.property(fc.constantFrom(...IPVS_SCHEDULERS), fc.array(fc.record({ weight: fc.integer({ min: 0, max: 4 }), active: fc.nat(5), inactive: fc.nat(5) }), { maxLength: 6 }), fc.ipV4(), (name, servers, ip) => {
      const s = createScheduler(name);
      for (let i = 0; i < 10; i++) {
        const pick = s.pick({ servers, sourceAddress: ip, destinationAddress: ip });
        if (servers.every((x) => x.weight === 0)) assert.equal(pick, undefined);
        else if (pick !== undefined) assert.ok(servers[pick]!.weight > 0);
        else assert.fail(`${name} picked nothing from ${JSON.stringify(servers)}`);
      }
    }),
  );
});
