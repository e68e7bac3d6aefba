/** gRPC status errors the runtime returns; the codes are the ones containerd uses for the same cases. */
import { status } from '@grpc/grpc-js';

export class CriError extends Error {
  constructor(readonly code: status, message: string) { super(message); }
}

export const notFound = (what: string): CriError => new CriError(status.NOT_FOUND, `${what} not found`);
export const invalid = (message: string): CriError => new CriError(status.INVALID_ARGUMENT, message);
export const failedPrecondition = (message: string): CriError => new CriError(status.FAILED_PRECONDITION, message);
export const deadlineExceeded = (message: string): CriError => new CriError(status.DEADLINE_EXCEEDED, message);
