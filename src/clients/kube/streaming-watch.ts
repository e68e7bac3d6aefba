/** A watch over one HTTP response: newline-delimited JSON watch events, kept in order. */
import type { IncomingMessage } from 'node:http';
import type { Watch, WatchEvent } from '../../ports/kube-api.ts';

export class StreamingWatch implements Watch {
  readonly events: WatchEvent[] = [];
  ended = false;
  error: Error | undefined;
  private buffered = '';
  private readonly listeners: Array<(event: WatchEvent) => void> = [];
  private readonly endListeners: Array<(error: Error | undefined) => void> = [];

  constructor(
    private readonly response: IncomingMessage,
    private readonly onEnd: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.consume(chunk));
    response.on('end', () => this.finish());
    response.on('error', (error) => this.finish(error));
    response.on('close', () => this.finish());
  }

  subscribe(onEvent: (event: WatchEvent) => void, onEnd?: (error: Error | undefined) => void): void {
    for (const event of this.events) onEvent(event);
    this.listeners.push(onEvent);
    if (onEnd === undefined) return;
    if (this.ended) onEnd(this.error);
    else this.endListeners.push(onEnd);
  }

  stop(): void {
    this.response.destroy();
    this.finish();
  }

  private consume(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline).trim();
      this.buffered = this.buffered.slice(newline + 1);
      if (line.length === 0) continue;
      try {
        const event = JSON.parse(line) as WatchEvent;
        this.events.push(event);
        for (const listener of this.listeners) listener(event);
      } catch (error) {
        this.finish(new Error(`malformed watch event: ${line.slice(0, 200)} (${String(error)})`));
      }
    }
  }

  private finish(error?: Error): void {
    if (error !== undefined && this.error === undefined) this.error = error;
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    for (const listener of this.endListeners) listener(this.error);
  }
}
