/** Adapts an async handler to grpc-js's callback style, mapping thrown errors to gRPC statuses. */
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { EtcdServerError } from '../etcd-server-error.ts';

export function unary<Req, Res>(handler: (request: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    handler(call.request).then(
      (res) => callback(null, res),
      (error: unknown) => {
        const code = error instanceof EtcdServerError ? error.code : status.UNKNOWN;
        callback({ code, details: error instanceof Error ? error.message : String(error) });
      },
    );
  };
}
