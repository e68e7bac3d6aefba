/** The CRI suite on containerd: needs root and Debian's containerd, runc, containernetworking-plugins. */
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { ContainerdRuntime } from './containerd-runtime.ts';
import { criSuite } from './cri-suite.ts';

function containerdAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'containerd tests need root';
  try { execFileSync('containerd', ['--version'], { stdio: 'ignore' }); } catch { return 'containerd is not installed (apt-get install containerd runc containernetworking-plugins)'; }
  return undefined;
}

const missing = containerdAvailable();
if (missing) void test('CRI v1 on containerd', { skip: missing }, () => undefined);
else criSuite(new ContainerdRuntime());
