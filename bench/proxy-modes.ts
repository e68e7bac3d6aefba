/**
 * Benchmark: connection rate and added latency of the proxy modes against a direct
 * connection, printed as ratios. Runs in network namespaces (root): a client Pod makes
 * sequential TCP exchanges (connect, read the backend's name, close) either straight to a
 * backend Pod, or to a ClusterIP served by kube-proxy in userspace, iptables or ipvs mode
 * (ipvs is the user-space IPVS data plane on kernels without IP_VS).
 *
 *   node --import tsx bench/proxy-modes.ts [connections=400] [modes=userspace,iptables,ipvs]
 *
 * Numbers vary with machine load; the ratios are what to compare.
 */
import { fileURLToPath } from 'node:url';
import { service, slice } from '../reference/kube-proxy/test/fixtures.ts';
import { NetnsTopology, type Agent } from '../reference/kube-proxy/testing/netns-topology.ts';

const count = Number(process.argv[2] ?? '400');
const modes = (process.argv[3] ?? 'userspace,iptables,ipvs').split(',');
const MAIN = fileURLToPath(new URL('../reference/kube-proxy/main.ts', import.meta.url));
const VIP = '10.96.0.10';

interface Sample {
  name: string;
  rate: number;
  median: number;
  p99: number;
}

async function measure(agent: Agent, name: string, host: string, port: number): Promise<Sample> {
  await agent.call({ op: 'time', host, port, count: Math.min(50, count) }); // warm-up
  const started = performance.now();
  const { latencies, failures } = await agent.call<{ latencies: number[]; failures: number }>({ op: 'time', host, port, count });
  const elapsed = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${name}: ${failures} of ${count} connections failed`);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { name, rate: count / elapsed, median: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (network namespaces)');
  const topo = new NetnsTopology();
  const samples: Sample[] = [];
  try {
    await topo.create(['be1', 'client']);
    await topo.backend('be1', 8080);
    const client = await topo.agent(topo.pods.get('client')!.ns);
    samples.push(await measure(client, 'direct', topo.pods.get('be1')!.ip, 8080));
    const objects = { services: [service('web', VIP, [{ name: 'tcp', port: 80 }])], endpointSlices: [slice('web', [{ name: 'tcp', port: 8080 }], [{ ip: topo.pods.get('be1')!.ip }])] };
    for (const mode of modes) {
      const proxy = topo.spawn(topo.node, MAIN, ['--objects-from-stdin', '--proxy-mode', mode, '--hostname-override', 'n1', '--metrics-bind-address', '127.0.0.1:0']);
      proxy.write(JSON.stringify({ generation: 1, ...objects }));
      await proxy.waitFor(/generation=1$/, 60_000);
      samples.push(await measure(client, mode, VIP, 80));
      await proxy.stop();
      if (mode === 'iptables') await topo.exec(topo.node, [process.execPath, '--import', 'tsx', MAIN, '--proxy-mode', 'iptables', '--cleanup']);
    }
  } finally {
    await topo.destroy();
  }
  const direct = samples[0]!;
  console.log(`${count} sequential TCP exchanges from a client Pod (connect, read reply, close)\n`);
  console.log('path        conn/s   rate vs direct   median ms   median vs direct   p99 ms');
  for (const s of samples) {
    console.log(
      `${s.name.padEnd(10)} ${s.rate.toFixed(0).padStart(7)}   ${(s.rate / direct.rate).toFixed(2).padStart(14)}   ${s.median.toFixed(3).padStart(9)}   ${(s.median / direct.median).toFixed(2).padStart(16)}   ${s.p99.toFixed(3).padStart(6)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
