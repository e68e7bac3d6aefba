/**
 * The CRI v1 gRPC server on a unix socket: RuntimeService and ImageService handlers that
 * call ReferenceRuntime and turn thrown CriErrors into gRPC statuses.
 */
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadCriPackage } from '../../../src/clients/cri/cri-proto.ts';
import { CriError } from './cri-error.ts';
import type { ReferenceRuntime } from './reference-runtime.ts';

type Handler = (request: unknown) => unknown;

function unary(fn: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then((response) => callback(null, response as never))
      .catch((err: unknown) => {
        const code = err instanceof CriError ? err.code : grpc.status.UNKNOWN;
        callback({ code, details: err instanceof Error ? err.message : String(err), name: 'CriError', message: String(err) } as grpc.ServiceError);
      });
  };
}

export async function startCriServer(runtime: ReferenceRuntime, socketPath: string): Promise<{ stop(): Promise<void> }> {
  const pkg = loadCriPackage();
  const server = new grpc.Server();
  const r = runtime as unknown as Record<string, Handler>;
  const bind = (names: string[]): grpc.UntypedServiceImplementation =>
    Object.fromEntries(names.map((n) => [n, unary((req) => r[n[0]!.toLowerCase() + n.slice(1)]!.call(runtime, req))]));
  server.addService(pkg.RuntimeService.service, bind([
    'Version', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'PodSandboxStatus', 'ListPodSandbox', 'CreateContainer',
    'StartContainer', 'StopContainer', 'RemoveContainer', 'ListContainers', 'ContainerStatus', 'ExecSync',
  ]));
  server.addService(pkg.ImageService.service, bind(['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage']));
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  });
  return {
    stop: () => new Promise<void>((resolve) => {
      server.tryShutdown(() => { rmSync(socketPath, { force: true }); resolve(); });
      setTimeout(() => server.forceShutdown(), 5000).unref();
    }),
  };
}
