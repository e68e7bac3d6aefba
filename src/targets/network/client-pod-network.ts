/**
 * The Network port on any cluster: connections "from a pod" are made by a short-lived client
 * Pod running the kit's workload image (busybox nc for TCP, the image's kck-udp helper for
 * UDP), and read back through its log; "from a node" is the same Pod on the host network of
 * that node; "from outside" dials from the kit's own process (node:net, node:dgram). Black
 * box: it needs nothing but the API and an image the cluster can run.
 *
 * A UDP probe is one datagram and one awaited reply: "no reply" covers both a port nothing
 * answers on and a lost datagram, so callers that expect an answer retry (eventually).
 */
import dgram from 'node:dgram';
import { connect } from 'node:net';
import type { KubeApi, KubeObject } from '../../ports/kube-api.ts';
import type { ConnectResult, Network, Vantage } from '../../ports/network.ts';
import { eventually } from '../../world/eventually.ts';
import { offMachineReason } from './off-machine-route.ts';

interface PodView extends KubeObject {
  status?: { phase?: string; containerStatuses?: Array<{ state?: { terminated?: { exitCode: number } } }> };
}

const MARK = 'kck-reply:';

/** One probe as a shell script; replies are printed behind a marker so log noise is ignored. */
export function probeScript(host: string, port: number, count: number, timeoutSeconds: number, protocol: 'tcp' | 'udp' = 'tcp'): string {
  const dial = protocol === 'udp' ? `kck-udp dial ${host} ${port} ${timeoutSeconds * 1000}` : `echo | nc -w ${timeoutSeconds} ${host} ${port}`;
  const once = `r=$(${dial} 2>/dev/null | head -n 1); if [ -n "$r" ]; then echo "${MARK}$r"; else echo "${MARK}!failed"; fi`;
  return count === 1 ? once : `for i in $(seq ${count}); do ${once}; done`;
}

/** A held connection's client that is done: retrying the wait on it is pointless. */
class ConnectionEnded extends Error {}

export function parseReplies(log: string): string[] {
  return log.split('\n').filter((l) => l.startsWith(MARK)).map((l) => l.slice(MARK.length).trim());
}

export class ClientPodNetwork implements Network {
  private serial = 0;

  /**
   * `outside: 'this-machine'` (the kit's own clusters): "from outside" reaches only what is on
   * this machine; an address whose route leaves it is reported unreachable without a packet
   * sent (see off-machine-route.ts). `'anywhere'`: a user's cluster, reached as it is routed.
   */
  constructor(
    private readonly kube: KubeApi,
    private readonly image: string,
    private readonly outside: 'this-machine' | 'anywhere' = 'this-machine',
  ) {}

  private async refusedFromHere(host: string): Promise<ConnectResult | undefined> {
    if (this.outside === 'anywhere') return undefined;
    const reason = await offMachineReason(host);
    return reason === undefined ? undefined : { ok: false, error: reason };
  }

  async tcp(vantage: Vantage, host: string, port: number, options: { timeoutMs?: number } = {}): Promise<ConnectResult> {
    const timeoutMs = options.timeoutMs ?? 3_000;
    if (vantage.from === 'outside') return (await this.refusedFromHere(host)) ?? dialFromHere(host, port, timeoutMs);
    const [reply] = await this.runProbe(vantage, probeScript(host, port, 1, Math.ceil(timeoutMs / 1000)));
    return reply === undefined || reply === '!failed' ? { ok: false, error: 'no reply' } : { ok: true, reply };
  }

  async udp(vantage: Vantage, host: string, port: number, options: { timeoutMs?: number } = {}): Promise<ConnectResult> {
    const timeoutMs = options.timeoutMs ?? 3_000;
    if (vantage.from === 'outside') return (await this.refusedFromHere(host)) ?? datagramFromHere(host, port, timeoutMs);
    const [reply] = await this.runProbe(vantage, probeScript(host, port, 1, Math.ceil(timeoutMs / 1000), 'udp'));
    return reply === undefined || reply === '!failed' ? { ok: false, error: 'no reply' } : { ok: true, reply };
  }

  async hold(vantage: Vantage, host: string, port: number): Promise<{ reply: string; close(): Promise<void> }> {
    if (vantage.from === 'outside') {
      const refused = await this.refusedFromHere(host);
      if (refused !== undefined) throw new Error(`cannot hold a connection to ${host}:${port}: ${refused.error}`);
      // "hold" asks the workload's server to keep the connection open (REPLY_NAME_SCRIPT).
      const socket = connect({ host, port }, () => void socket.write('hold\n'));
      const reply = await new Promise<string>((resolve, reject) => {
        socket.once('data', (d: Buffer) => resolve(d.toString().trim()));
        socket.once('error', reject);
      });
      return { reply, close: async () => void socket.destroy() };
    }
    // "hold" asks the workload's server to keep the connection open (REPLY_NAME_SCRIPT); the
    // client keeps its end open by feeding nc from a sleep.
    const script = `(echo hold; sleep 3600) | nc ${host} ${port} | while read -r line; do echo "${MARK}$line"; done`;
    const pod = await this.createProbePod(vantage, script);
    try {
      const reply = await eventually(`client pod ${pod.name} to get a reply from ${host}:${port}`, async () => {
        const [first] = parseReplies(await this.log(pod.namespace, pod.name, true));
        if (first !== undefined) return first;
        // nc ends at once when the connection fails: no reply will ever come from this Pod.
        const phase = (await this.kube.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name }))?.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') throw new ConnectionEnded(`client pod ${pod.name} ended (${phase}) without a reply from ${host}:${port}`);
        throw new Error(`no reply yet (client pod ${phase ?? 'gone'})`);
      }, { timeoutMs: 60_000, isFatal: (error) => error instanceof ConnectionEnded });
      return { reply, close: () => this.terminatePod(pod.namespace, pod.name) };
    } catch (error) {
      await this.deletePod(pod.namespace, pod.name);
      throw error;
    }
  }

  async spray(vantage: Vantage, host: string, port: number, count: number, options: { protocol?: 'tcp' | 'udp'; sourceAddress?: string } = {}): Promise<Map<string, number>> {
    const protocol = options.protocol ?? 'tcp';
    const replies: string[] = [];
    const refused = vantage.from === 'outside' ? await this.refusedFromHere(host) : undefined;
    if (refused !== undefined) replies.push(...Array.from({ length: count }, () => '!failed'));
    else if (vantage.from === 'outside') {
      for (let i = 0; i < count; i++) {
        const r = protocol === 'udp' ? await datagramFromHere(host, port, 3_000, options.sourceAddress) : await dialFromHere(host, port, 3_000, options.sourceAddress);
        replies.push(r.ok ? r.reply! : '!failed');
      }
    } else {
      // Every kck-udp dial is a new socket, hence a new source port: a new flow for the proxy.
      replies.push(...(await this.runProbe(vantage, probeScript(host, port, count, 3, protocol))));
    }
    const counts = new Map<string, number>();
    for (const r of replies) counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  }

  private async runProbe(vantage: Exclude<Vantage, { from: 'outside' }>, script: string): Promise<string[]> {
    const pod = await this.createProbePod(vantage, script);
    try {
      await eventually(`client pod ${pod.name} to finish`, async () => {
        const p = await this.kube.get<PodView>({ apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name });
        const phase = p?.status?.phase;
        if (phase !== 'Succeeded' && phase !== 'Failed') throw new Error(`client pod is ${phase ?? 'gone'}`);
      }, { timeoutMs: 120_000 });
      return parseReplies(await this.log(pod.namespace, pod.name));
    } finally {
      await this.deletePod(pod.namespace, pod.name);
    }
  }

  private async createProbePod(vantage: Exclude<Vantage, { from: 'outside' }>, script: string): Promise<{ namespace: string; name: string }> {
    const namespace = vantage.from === 'pod' ? vantage.namespace : 'default';
    const node = vantage.from === 'node' ? vantage.node : vantage.node;
    const name = `kck-client-${Date.now().toString(36)}-${++this.serial}`;
    await this.kube.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: { 'kck.io/role': 'network-client' } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        ...(node === undefined ? {} : { nodeName: node }),
        ...(vantage.from === 'node' ? { hostNetwork: true } : {}),
        containers: [{ name: 'client', image: this.image, command: ['/bin/sh', '-c', script] }],
      },
    });
    return { namespace, name };
  }

  /** The log so far; with `notStartedIsEmpty`, '' while the container has not started (the kubelet answers 400 then). */
  private async log(namespace: string, name: string, notStartedIsEmpty = false): Promise<string> {
    const res = await this.kube.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}/log`);
    if (res.status === 400 && notStartedIsEmpty) return '';
    if (res.status !== 200) throw new Error(`log of pod ${name} answered ${res.status}: ${res.text.slice(0, 200)}`);
    return res.text;
  }

  /**
   * A graceful delete stays in the API until the kubelet has killed the Pod's processes, so
   * once it is gone the client's end of a held connection is closed (a forced delete would
   * return before the kubelet even noticed).
   */
  private async terminatePod(namespace: string, name: string): Promise<void> {
    const pod = { apiVersion: 'v1', kind: 'Pod', namespace, name };
    await this.kube.delete(pod, { gracePeriodSeconds: 1 }).catch(() => undefined);
    await eventually(`client pod ${name} to terminate`, async () => {
      if ((await this.kube.get(pod)) !== undefined) throw new Error('still there');
    });
  }

  private async deletePod(namespace: string, name: string): Promise<void> {
    await this.kube.delete({ apiVersion: 'v1', kind: 'Pod', namespace, name }, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

function dialFromHere(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    let data = '';
    const done = (result: ConnectResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: 'ETIMEDOUT' }));
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\n')) done({ ok: true, reply: data.split('\n')[0]!.trim() });
    });
    socket.on('end', () => done(data.length > 0 ? { ok: true, reply: data.trim() } : { ok: false, error: 'ECONNRESET' }));
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
  });
}

/** One datagram from the kit's own process; the first reply datagram's first line is the answer. */
function datagramFromHere(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let settled = false;
    const done = (result: ConnectResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'ETIMEDOUT' }), timeoutMs);
    socket.on('message', (msg) => done({ ok: true, reply: msg.toString().split('\n')[0]!.trim() }));
    // A connected socket reports an ICMP port unreachable as ECONNREFUSED.
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
    socket.bind({ port: 0, ...(localAddress === undefined ? {} : { address: localAddress }) }, () => {
      socket.connect(port, host, () => {
        if (!settled) socket.send('kck\n');
      });
    });
  });
}
