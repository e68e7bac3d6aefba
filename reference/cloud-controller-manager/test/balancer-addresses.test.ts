import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancerAddress, parseAddressBlock } from '../core/balancer-addresses.ts';

test('a configured /24 block hands out .1 to .254 and then nothing', () => {
  const block = parseAddressBlock('127.79.181.0/24');
  assert.equal(balancerAddress(block, 0), '127.79.181.1');
  assert.equal(balancerAddress(block, 253), '127.79.181.254');
  assert.equal(balancerAddress(block, 254), undefined);
});

test('without a block, balancers spread over 127.77/16, never on .0 or .255', () => {
  assert.equal(balancerAddress({}, 0), '127.77.1.1');
  assert.equal(balancerAddress({}, 254), '127.77.2.1');
  for (const i of [0, 253, 254, 1000, 254 * 254 - 1]) assert.match(balancerAddress({}, i) ?? '', /^127\.77\.([1-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-4])\.([1-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-4])$/);
  assert.equal(balancerAddress({}, 254 * 254), undefined);
});

test('a block that is not a loopback /24 is refused with what is wanted', () => {
  for (const bad of ['10.0.0.0/24', '127.77.5.0/16', '127.300.1.0/24', '127.77.5.1/24', '']) {
    assert.throws(() => parseAddressBlock(bad), /want a loopback \/24/, bad);
  }
});
