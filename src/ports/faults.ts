/** Faults: stop, kill, restart and isolate parts of a running target. */

export interface Faults {
  /** SIGKILL (or container kill) of one component instance by name. */
  kill(instance: string): Promise<void>;
  /** Graceful stop. */
  stop(instance: string): Promise<void>;
  start(instance: string): Promise<void>;
  /** The node loses its network: its kubelet stops reaching the apiserver. */
  isolateNode(node: string): Promise<void>;
  healNode(node: string): Promise<void>;
  /** Adds a new node (kubelet + runtime + proxy) and returns its name. */
  addNode(options?: { labels?: Record<string, string> }): Promise<string>;
}
