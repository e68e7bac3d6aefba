/**
 * The files of the workload image's single layer: a static busybox, the applet links the
 * workload uses, the kit's static UDP helper (kck-udp, built by udp-helper.ts) and the
 * workload scripts. One list feeds both the OCI layer (for
 * containerd) and the reference runtime's root filesystem, so the two cannot drift.
 */
import { readFileSync } from 'node:fs';
import { udpHelper } from './udp-helper.ts';
import { REPLY_NAME_SCRIPT, WORKLOAD_SCRIPT } from './workload-script.ts';

export type ImageFile =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; content: Buffer }
  | { kind: 'symlink'; path: string; target: string };

/** Debian's busybox-static; override with KCK_BUSYBOX. */
export const BUSYBOX_PATH = process.env['KCK_BUSYBOX'] ?? '/bin/busybox';

const APPLETS = [
  'sh', 'sleep', 'echo', 'cat', 'nc', 'httpd', 'hostname', 'mktemp', 'ls', 'ps', 'env', 'true', 'false',
  'id', 'wget', 'ip', 'ifconfig', 'kill', 'grep', 'head', 'timeout', 'date', 'mkdir', 'rm', 'touch', 'wc',
];

export function imageFiles(busyboxPath: string = BUSYBOX_PATH): ImageFile[] {
  const busybox = readFileSync(busyboxPath);
  if (!busybox.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new Error(`${busyboxPath} is not an ELF binary; install busybox-static`);
  }
  return [
    { kind: 'dir', path: 'bin', mode: 0o755 },
    { kind: 'file', path: 'bin/busybox', mode: 0o755, content: busybox },
    ...APPLETS.map((a): ImageFile => ({ kind: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    // On PATH, so client Pods' shell scripts find it under either runtime (see process-command.ts).
    { kind: 'file', path: 'bin/kck-udp', mode: 0o755, content: udpHelper() },
    { kind: 'dir', path: 'etc', mode: 0o755 },
    { kind: 'file', path: 'etc/passwd', mode: 0o644, content: Buffer.from('root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
    { kind: 'file', path: 'etc/group', mode: 0o644, content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { kind: 'dir', path: 'kck', mode: 0o755 },
    { kind: 'file', path: 'kck/workload', mode: 0o755, content: Buffer.from(WORKLOAD_SCRIPT) },
    { kind: 'file', path: 'kck/reply-name', mode: 0o755, content: Buffer.from(REPLY_NAME_SCRIPT) },
    { kind: 'dir', path: 'tmp', mode: 0o1777 },
    { kind: 'dir', path: 'proc', mode: 0o555 },
    { kind: 'dir', path: 'dev', mode: 0o755 },
    { kind: 'dir', path: 'sys', mode: 0o555 },
  ];
}
