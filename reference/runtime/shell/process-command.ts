/**
 * How a container's argv becomes a host command line.
 *
 * As root: `ip netns exec <ns>` (unless host network) then `prlimit` (sandboxed handler
 * limits) then `chroot [--userspec=uid:gid] <rootfs> argv...`. Each of those execs the next,
 * so the container's process keeps the pid we spawned and receives our signals directly.
 *
 * Not root: no chroot. argv[0] is looked up inside the image root; a busybox applet link runs
 * the image's busybox, a `#!/bin/sh` script runs under the image's busybox sh, and PATH points
 * into the image, so the same image files run either way.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { IsolationPolicy } from '../core/handler-policy.ts';

/**
 * Host tools by absolute path: the spawned process gets the container's environment (PATH=/bin
 * inside the image), so the wrappers cannot be found through PATH.
 */
function hostTool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

export interface CommandContext {
  rootfs: string;
  netns: string | undefined;
  policy: IsolationPolicy;
  privileged: boolean;
}

export function hostCommand(ctx: CommandContext, argv: readonly string[]): string[] {
  if (argv.length === 0) throw new Error('container has no command: neither the image nor the config gives one');
  if (!ctx.privileged) return unprivilegedCommand(ctx.rootfs, argv);
  const out: string[] = [];
  if (ctx.netns) out.push(hostTool('ip'), 'netns', 'exec', ctx.netns);
  const l = ctx.policy.limits;
  if (l.nofile !== undefined || l.nproc !== undefined || l.addressSpaceBytes !== undefined) {
    out.push(hostTool('prlimit'));
    if (l.nofile !== undefined) out.push(`--nofile=${l.nofile}`);
    if (l.nproc !== undefined) out.push(`--nproc=${l.nproc}`);
    if (l.addressSpaceBytes !== undefined) out.push(`--as=${l.addressSpaceBytes}`);
    out.push('--');
  }
  out.push(hostTool('chroot'));
  if (ctx.policy.uid !== undefined) out.push(`--userspec=${ctx.policy.uid}:${ctx.policy.gid ?? ctx.policy.uid}`);
  out.push(ctx.rootfs, ...argv);
  return out;
}

function unprivilegedCommand(rootfs: string, argv: readonly string[]): string[] {
  const [first, ...rest] = argv as [string, ...string[]];
  const inImage = first.startsWith('/') ? join(rootfs, first) : join(rootfs, 'bin', first);
  const busybox = join(rootfs, 'bin', 'busybox');
  if (!existsSync(inImage)) return [first, ...rest];
  if (lstatSync(inImage).isSymbolicLink() && readlinkSync(inImage) === 'busybox') return [busybox, first.slice(first.lastIndexOf('/') + 1), ...rest];
  const head = readFileSync(inImage).subarray(0, 2).toString('latin1');
  if (head === '#!') return [busybox, 'sh', inImage, ...rest];
  return [inImage, ...rest];
}

/** The container's PATH: inside the image when chrooted, else the image's bin folder. */
export function imagePath(ctx: CommandContext): string {
  return ctx.privileged ? '/bin' : join(ctx.rootfs, 'bin');
}
