import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PodCidrAllocator, formatIpv4, parseIpv4 } from '../core/pod-cidr.ts';

void test('the gateway is the first host and pods start after it', () => {
  const a = new PodCidrAllocator('10.244.1.0/24');
  assert.equal(a.gateway(), '10.244.1.1');
  assert.equal(a.allocate(), '10.244.1.2');
  assert.equal(a.allocate(), '10.244.1.3');
});

void test('a released IP is reused only after the others (a replaced Pod gets a new IP)', () => {
  const a = new PodCidrAllocator('10.0.0.0/29'); // hosts .2 .. .6
  const first = a.allocate();
  a.release(first);
  assert.notEqual(a.allocate(), first);
});

void test('allocations are distinct, inside the CIDR, never the network, gateway or broadcast', () => {
  fc.assert(fc.property(fc.integer({ min: 24, max: 30 }), fc.array(fc.boolean(), { maxLength: 80 }), (prefix, ops) => {
    const a = new PodCidrAllocator(`10.9.8.0/${prefix}`);
    const size = 2 ** (32 - prefix) - 3;
    const held = new Set<string>();
    for (const allocate of ops) {
      if (allocate || held.size === 0) {
        if (held.size === size) { assert.throws(() => a.allocate(), /exhausted/); continue; }
        const ip = a.allocate();
        assert.ok(!held.has(ip), `${ip} handed out twice`);
        const n = parseIpv4(ip) - parseIpv4('10.9.8.0');
        assert.ok(n >= 2 && n <= size + 1, `${ip} outside the host range of /${prefix}`);
        held.add(ip);
      } else {
        const ip = [...held][0]!;
        held.delete(ip);
        a.release(ip);
      }
    }
  }));
});

void test('IPv4 parse and format round-trip', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => assert.equal(parseIpv4(formatIpv4(n)), n)));
});
