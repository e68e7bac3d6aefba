/**
 * The config of a private containerd instance, with what these machines need (see
 * /work/shared/notes/machine-facts.md): restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE),
 * cgroupfs, overlayfs, no AppArmor. The "sandboxed" handler stands for kata: here it is runc
 * under another name, so RuntimeClass plumbing (S9.3) is observable end to end.
 */
export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  cniConfDir: string;
  sandboxImage: string;
}

export function containerdConfig(p: ContainerdPaths): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${p.root}"
state = "${p.state}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${p.socket}"

[ttrpc]
  address = "${p.socket}.ttrpc"

[metrics]
  address = ""

[${cri}]
  sandbox_image = "${p.sandboxImage}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.containerd.runtimes.sandboxed]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.sandboxed.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${p.cniConfDir}"
`;
}

/** A CNI bridge network for this instance's pods (Debian's containernetworking-plugins). */
export function cniConflist(bridge: string, subnet: string, dataDir: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: `kck-${bridge}`,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, isDefaultGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir } },
      { type: 'loopback' },
    ],
  }, null, 2);
}
