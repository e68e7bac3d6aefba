/**
 * Whether this kernel can do IPVS. Upstream kube-proxy checks for the ip_vs modules; here
 * the proc file the ip_vs module creates is the probe (no module loading is attempted).
 */
import { access } from 'node:fs/promises';

export async function kernelHasIpvs(): Promise<boolean> {
  try {
    await access('/proc/net/ip_vs');
    return true;
  } catch {
    return false;
  }
}

export const IPVS_USERSPACE_MODE = 'ipvs (userspace data plane: kernel has no IP_VS)';
