/**
 * nftables mode (beyond the slides: upstream's newest mode, KEP-3866), rendered as one
 * `nft -f` transaction that replaces the `ip kube-proxy` table atomically. The shape
 * follows upstream pkg/proxy/nftables: verdict maps keyed by address . protocol . port
 * (service-ips, service-nodeports, no-endpoint-services, no-endpoint-nodeports) instead of
 * one rule per service, a chain per service port ("service-<hash>-ns/name/proto/port")
 * choosing an endpoint with `numgen random mod n`, a chain per endpoint doing the DNAT, and
 * per-endpoint dynamic sets for ClientIP affinity. Chain names use upstream's hash of the
 * name (base32(sha256)[:8]) so rules can be compared with a real kube-proxy.
 */
import { base32, sha256 } from './sha256.ts';
import { usableEndpoints, type EndpointInfo, type ServicePortEntry, type ServicePortInfo } from './service-port-table.ts';

export interface NftablesOptions {
  nodeName: string | undefined;
  clusterCIDR: string | undefined;
}

export const NFT_TABLE = 'kube-proxy';

function hashed(name: string): string {
  return `${base32(sha256(name)).slice(0, 8)}-${name}`;
}

function base(sp: ServicePortInfo): string {
  return hashed(`${sp.namespace}/${sp.service}/${sp.protocol.toLowerCase()}/${sp.portName}`);
}

export function nftServiceChain(sp: ServicePortInfo): string {
  return `service-${base(sp)}`;
}

export function nftEndpointChain(sp: ServicePortInfo, ep: EndpointInfo): string {
  return `endpoint-${hashed(`${sp.namespace}/${sp.service}/${sp.protocol.toLowerCase()}/${sp.portName}__${ep.ip}/${ep.port}`)}`;
}

function affinitySet(sp: ServicePortInfo, ep: EndpointInfo): string {
  return nftEndpointChain(sp, ep).replace(/^endpoint-/, 'affinity-');
}

const STATIC_CHAINS: ReadonlyArray<[string, string[]]> = [
  ['nat-prerouting', ['type nat hook prerouting priority dstnat; policy accept;', 'jump services']],
  ['nat-output', ['type nat hook output priority -100; policy accept;', 'jump services']],
  ['nat-postrouting', ['type nat hook postrouting priority srcnat; policy accept;', 'jump masquerading']],
  ['filter-input', ['type filter hook input priority -110; policy accept;', 'ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']],
  ['filter-forward', ['type filter hook forward priority -110; policy accept;', 'ct state new jump service-endpoints-check']],
  ['filter-output', ['type filter hook output priority -110; policy accept;', 'ct state new jump service-endpoints-check']],
  ['mark-for-masquerade', ['meta mark set meta mark | 0x4000']],
  ['masquerading', ['meta mark & 0x4000 == 0 return', 'meta mark set meta mark ^ 0x4000', 'masquerade fully-random']],
  ['reject-chain', ['reject']],
  ['services', ['ip daddr . meta l4proto . th dport vmap @service-ips', 'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports']],
  ['service-endpoints-check', ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']],
  ['nodeport-endpoints-check', ['fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports']],
];

export interface NftablesRuleSet {
  /** Chain name -> statements, in order. */
  chains: Map<string, string[]>;
  /** Map or set name -> declaration (type, flags) and elements. */
  maps: Map<string, { declaration: string; elements: string[] }>;
}

export function buildNftablesRuleSet(table: readonly ServicePortEntry[], options: NftablesOptions): NftablesRuleSet {
  const chains = new Map<string, string[]>(STATIC_CHAINS.map(([name, rules]) => [name, [...rules]]));
  const maps = new Map<string, { declaration: string; elements: string[] }>([
    ['cluster-ips', { declaration: 'type ipv4_addr;', elements: [] }],
    ['service-ips', { declaration: 'type ipv4_addr . inet_proto . inet_service : verdict;', elements: [] }],
    ['service-nodeports', { declaration: 'type inet_proto . inet_service : verdict;', elements: [] }],
    ['no-endpoint-services', { declaration: 'type ipv4_addr . inet_proto . inet_service : verdict;', elements: [] }],
    ['no-endpoint-nodeports', { declaration: 'type inet_proto . inet_service : verdict;', elements: [] }],
  ]);
  const element = (map: string, text: string): void => {
    const m = maps.get(map)!;
    if (!m.elements.includes(text)) m.elements.push(text);
  };

  for (const entry of table) {
    const sp = entry.service;
    if (sp.protocol === 'SCTP') continue;
    const proto = sp.protocol.toLowerCase();
    const clusterEps = usableEndpoints(entry, options.nodeName, false);
    const localEps = usableEndpoints(entry, options.nodeName, true);
    const svc = nftServiceChain(sp);
    for (const ip of sp.clusterIPs) {
      element('cluster-ips', ip);
      if (clusterEps.length > 0) element('service-ips', `${ip} . ${proto} . ${sp.port} : goto ${svc}`);
      else element('no-endpoint-services', `${ip} . ${proto} . ${sp.port} : goto reject-chain`);
    }
    if (clusterEps.length > 0) {
      const rules: string[] = [];
      if (options.clusterCIDR !== undefined) for (const ip of sp.clusterIPs) rules.push(`ip daddr ${ip} ${proto} dport ${sp.port} ip saddr != ${options.clusterCIDR} jump mark-for-masquerade`);
      chains.set(svc, [...rules, ...balance(chains, maps, sp, clusterEps)]);
    }
    const externals = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
    if (!externals) continue;
    const ext = `external-${base(sp)}`;
    if (clusterEps.length > 0) {
      if (sp.externalPolicyLocal) {
        const local = `local-${base(sp)}`;
        const rules: string[] = [];
        if (options.clusterCIDR !== undefined) rules.push(`ip saddr ${options.clusterCIDR} goto ${svc}`);
        rules.push('fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${svc}`);
        if (localEps.length > 0) {
          chains.set(local, balance(chains, maps, sp, localEps));
          rules.push(`goto ${local}`);
        } else rules.push('drop');
        chains.set(ext, rules);
      } else chains.set(ext, ['jump mark-for-masquerade', `goto ${svc}`]);
    }
    const target = clusterEps.length > 0 ? `goto ${ext}` : 'goto reject-chain';
    if (sp.nodePort !== undefined) element(clusterEps.length > 0 ? 'service-nodeports' : 'no-endpoint-nodeports', `${proto} . ${sp.nodePort} : ${target}`);
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) element(clusterEps.length > 0 ? 'service-ips' : 'no-endpoint-services', `${ip} . ${proto} . ${sp.port} : ${target}`);
  }
  return { chains, maps };
}

/** Statements choosing one of `eps` uniformly (with affinity first), creating endpoint chains. */
function balance(chains: Map<string, string[]>, maps: NftablesRuleSet['maps'], sp: ServicePortInfo, eps: readonly EndpointInfo[]): string[] {
  const proto = sp.protocol.toLowerCase();
  const rules: string[] = [];
  for (const ep of eps) {
    const chain = nftEndpointChain(sp, ep);
    if (sp.affinityTimeoutSeconds !== undefined) {
      const set = affinitySet(sp, ep);
      maps.set(set, { declaration: `type ipv4_addr; flags dynamic,timeout; timeout ${sp.affinityTimeoutSeconds}s;`, elements: [] });
      rules.push(`ip saddr @${set} goto ${chain}`);
    }
    if (!chains.has(chain)) {
      const update = sp.affinityTimeoutSeconds !== undefined ? [`update @${affinitySet(sp, ep)} { ip saddr }`] : [];
      chains.set(chain, [`ip saddr ${ep.ip} jump mark-for-masquerade`, ...update, `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`]);
    }
  }
  // numgen even for one endpoint, as upstream writes it.
  rules.push(`numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${nftEndpointChain(sp, ep)}`).join(', ')} }`);
  return rules;
}

/** One transaction: create-if-missing, delete, and declare the table anew (atomic replace). */
export function renderNftables(set: NftablesRuleSet): string {
  const lines = [`add table ip ${NFT_TABLE}`, `delete table ip ${NFT_TABLE}`, `table ip ${NFT_TABLE} {`];
  for (const [name, m] of set.maps) {
    const kind = m.declaration.includes(': verdict') ? 'map' : 'set';
    const elements = m.elements.length > 0 ? ` elements = { ${m.elements.join(', ')} }` : '';
    lines.push(`  ${kind} ${name} { ${m.declaration}${elements} }`);
  }
  // Chains are declared before any is referenced by a jump, then filled.
  for (const name of set.chains.keys()) if (!STATIC_CHAINS.some(([n]) => n === name)) lines.push(`  chain ${name} { }`);
  for (const [name, rules] of set.chains) {
    lines.push(`  chain ${name} {`);
    for (const rule of rules) lines.push(`    ${rule}`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
