/**
 * The iptables-mode rule set, as upstream kube-proxy lays it out (pkg/proxy/iptables):
 *
 *   nat    PREROUTING/OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<h> -> KUBE-SEP-<h'> (DNAT)
 *          KUBE-SERVICES (last rule, dst-type LOCAL) -> KUBE-NODEPORTS -> KUBE-EXT-<h>
 *          KUBE-EXT-<h> -> KUBE-MARK-MASQ, then KUBE-SVC-<h> (or KUBE-SVL-<h> for Local)
 *          POSTROUTING -> KUBE-POSTROUTING: MASQUERADE what KUBE-MARK-MASQ marked (0x4000)
 *   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: REJECT for ports without endpoints
 *          KUBE-FORWARD: accept marked and established forwarded traffic
 *
 * Endpoint choice is `-m statistic --mode random --probability 1/n, 1/(n-1), ... 1`: the
 * k-th rule is reached with probability prod_{i<k}(1-1/(n-i)) = (n-k)/n and taken with
 * 1/(n-k), so every endpoint gets 1/n whatever the load (S13.4: random, not load-aware).
 * ClientIP affinity adds `-m recent --rcheck` rules before the random ones, and the SEP
 * chain records the client with `-m recent --set`.
 */
import { chainHash } from './sha256.ts';
import { usableEndpoints, type EndpointInfo, type ServicePortEntry, type ServicePortInfo } from './service-port-table.ts';

export type Table = 'nat' | 'filter';

/** Chain name -> rules (the text after `-A <chain> `), in insertion order. */
export type Chains = Map<string, string[]>;

export interface IptablesRuleSet {
  nat: Chains;
  filter: Chains;
}

export interface IptablesOptions {
  nodeName: string | undefined;
  /** Pod CIDR of the cluster: traffic to a ClusterIP from outside it is masqueraded. */
  clusterCIDR: string | undefined;
  /** CIDRs NodePorts are open on; empty means every local address (upstream default). */
  nodePortAddresses: readonly string[];
}

/** Jumps from the built-in chains; the shell ensures these exist (iptables -C / -I). */
export const BASE_JUMPS: ReadonlyArray<{ table: Table; chain: string; rule: string }> = [
  { table: 'nat', chain: 'PREROUTING', rule: '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'nat', chain: 'OUTPUT', rule: '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'nat', chain: 'POSTROUTING', rule: '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING' },
  { table: 'filter', chain: 'INPUT', rule: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES' },
  { table: 'filter', chain: 'FORWARD', rule: '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD' },
  { table: 'filter', chain: 'FORWARD', rule: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
  { table: 'filter', chain: 'FORWARD', rule: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES' },
  { table: 'filter', chain: 'OUTPUT', rule: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' },
];

/** Chain-name prefixes the proxy owns per service or endpoint (stale ones are deleted). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-SEP-'] as const;

const MASQ_MARK = '0x4000';

export function svcChain(sp: ServicePortInfo): string {
  return 'KUBE-SVC-' + chainHash(sp.name + sp.protocol.toLowerCase());
}
export function svlChain(sp: ServicePortInfo): string {
  return 'KUBE-SVL-' + chainHash(sp.name + sp.protocol.toLowerCase());
}
export function extChain(sp: ServicePortInfo): string {
  return 'KUBE-EXT-' + chainHash(sp.name + sp.protocol.toLowerCase());
}
export function sepChain(sp: ServicePortInfo, ep: EndpointInfo): string {
  return 'KUBE-SEP-' + chainHash(sp.name + sp.protocol.toLowerCase() + `${ep.ip}:${ep.port}`);
}

/** The probability of the i-th of n random rules, formatted as upstream (%0.10f). */
export function probability(i: number, n: number): string {
  return (1 / (n - i)).toFixed(10);
}

export function buildIptablesRuleSet(table: readonly ServicePortEntry[], options: IptablesOptions): IptablesRuleSet {
  const nat: Chains = new Map([
    ['KUBE-SERVICES', []],
    ['KUBE-NODEPORTS', []],
    ['KUBE-POSTROUTING', [`-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`, `-j MARK --xor-mark ${MASQ_MARK}`, '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE']],
    ['KUBE-MARK-MASQ', [`-j MARK --or-mark ${MASQ_MARK}`]],
  ]);
  const filter: Chains = new Map([
    ['KUBE-SERVICES', []],
    ['KUBE-EXTERNAL-SERVICES', []],
    [
      'KUBE-FORWARD',
      [
        `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
        '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      ],
    ],
  ]);
  const add = (chains: Chains, chain: string, rule: string): void => {
    const rules = chains.get(chain);
    if (rules === undefined) chains.set(chain, [rule]);
    else rules.push(rule);
  };
  const declare = (chain: string): void => {
    if (!nat.has(chain)) nat.set(chain, []);
  };

  for (const entry of table) {
    const sp = entry.service;
    if (sp.protocol === 'SCTP') continue; // not offered by this reference
    const proto = sp.protocol.toLowerCase();
    const match = (port: number): string => `-p ${proto} -m ${proto} --dport ${port}`;
    const clusterEps = usableEndpoints(entry, options.nodeName, false);
    const externalEps = sp.externalPolicyLocal ? usableEndpoints(entry, options.nodeName, true) : clusterEps;
    const svc = svcChain(sp);

    // ClusterIP: jump to the service chain, or reject when nothing serves it.
    for (const ip of sp.clusterIPs) {
      if (clusterEps.length > 0) add(nat, 'KUBE-SERVICES', `-d ${ip}/32 ${match(sp.port)} -m comment --comment "${sp.name} cluster IP" -j ${svc}`);
      else add(filter, 'KUBE-SERVICES', `-d ${ip}/32 ${match(sp.port)} -m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with icmp-port-unreachable`);
    }
    if (clusterEps.length > 0) {
      declare(svc);
      if (options.clusterCIDR !== undefined)
        for (const ip of sp.clusterIPs) add(nat, svc, `! -s ${options.clusterCIDR} -d ${ip}/32 ${match(sp.port)} -m comment --comment "${sp.name} cluster IP" -j KUBE-MARK-MASQ`);
      addBalancingRules(nat, svc, sp, clusterEps);
    }

    // External entry points: NodePort, externalIPs and load-balancer IPs share KUBE-EXT-<h>.
    const externals: Array<{ kind: string; ip: string | undefined; port: number }> = [
      ...(sp.nodePort !== undefined ? [{ kind: 'nodePort', ip: undefined, port: sp.nodePort }] : []),
      ...sp.externalIPs.map((ip) => ({ kind: 'external IP', ip, port: sp.port })),
      ...sp.loadBalancerIPs.map((ip) => ({ kind: 'loadbalancer IP', ip, port: sp.port })),
    ];
    if (externals.length === 0) continue;
    if (externalEps.length > 0) {
      const ext = extChain(sp);
      declare(ext);
      if (sp.externalPolicyLocal) {
        // Pods may use any endpoint; so may the node itself (masqueraded, as its source
        // address would not route back); outside clients only local ones, source kept.
        if (clusterEps.length > 0) {
          if (options.clusterCIDR !== undefined) add(nat, ext, `-s ${options.clusterCIDR} -m comment --comment "pod traffic for ${sp.name} external destinations" -j ${svc}`);
          add(nat, ext, `-m comment --comment "masquerade LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
          add(nat, ext, `-m comment --comment "route LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j ${svc}`);
        }
        const svl = svlChain(sp);
        declare(svl);
        addBalancingRules(nat, svl, sp, externalEps);
        add(nat, ext, `-j ${svl}`);
      } else {
        add(nat, ext, `-m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
        add(nat, ext, `-j ${svc}`);
      }
      for (const e of externals) {
        if (e.ip === undefined) add(nat, 'KUBE-NODEPORTS', `${match(e.port)} -m comment --comment "${sp.name}" -j ${ext}`);
        else add(nat, 'KUBE-SERVICES', `-d ${e.ip}/32 ${match(e.port)} -m comment --comment "${sp.name} ${e.kind}" -j ${ext}`);
      }
    } else {
      const verdict = sp.externalPolicyLocal && clusterEps.length > 0 ? ['has no local endpoints', 'DROP'] : ['has no endpoints', 'REJECT --reject-with icmp-port-unreachable'];
      for (const e of externals) {
        const dst = e.ip === undefined ? '-m addrtype --dst-type LOCAL' : `-d ${e.ip}/32`;
        add(filter, 'KUBE-EXTERNAL-SERVICES', `${dst} ${match(e.port)} -m comment --comment "${sp.name} ${verdict[0]}" -j ${verdict[1]}`);
      }
    }
  }

  // NodePorts last, so a ClusterIP that happens to be local is matched first (upstream order).
  const comment = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (options.nodePortAddresses.length === 0) add(nat, 'KUBE-SERVICES', `${comment} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  else for (const cidr of options.nodePortAddresses) add(nat, 'KUBE-SERVICES', `-d ${cidr} ${comment} -j KUBE-NODEPORTS`);
  return { nat, filter };
}

function addBalancingRules(nat: Chains, chain: string, sp: ServicePortInfo, eps: readonly EndpointInfo[]): void {
  const rules = nat.get(chain)!;
  const proto = sp.protocol.toLowerCase();
  if (sp.affinityTimeoutSeconds !== undefined)
    for (const ep of eps)
      rules.push(`-m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}" -m recent --name ${sepChain(sp, ep)} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${sepChain(sp, ep)}`);
  eps.forEach((ep, i) => {
    const sep = sepChain(sp, ep);
    const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(i, eps.length)}` : '';
    rules.push(`-m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}"${stat} -j ${sep}`);
    if (!nat.has(sep)) {
      const recent = sp.affinityTimeoutSeconds !== undefined ? ` -m recent --name ${sep} --mask 255.255.255.255 --rsource --set` : '';
      nat.set(sep, [
        `-s ${ep.ip}/32 -m comment --comment "${sp.name}" -j KUBE-MARK-MASQ`,
        `-p ${proto} -m comment --comment "${sp.name}"${recent} -m ${proto} -j DNAT --to-destination ${ep.ip}:${ep.port}`,
      ]);
    }
  });
}
