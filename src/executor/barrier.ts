/**
 * Where hosts of a batch meet under `strategy: linear`: each host arrives before a task, and
 * all go on once every host still running has arrived. A host that finishes or fails leaves,
 * so nobody waits for it.
 */
export class Barrier {
  #parties: number;
  #waiting: Array<() => void> = [];

  constructor(parties: number) {
    this.#parties = parties;
  }

  arrive(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#maybeRelease();
    });
  }

  leave(): void {
    this.#parties--;
    this.#maybeRelease();
  }

  #maybeRelease(): void {
    if (this.#waiting.length > 0 && this.#waiting.length >= this.#parties) {
      const go = this.#waiting;
      this.#waiting = [];
      for (const r of go) r();
    }
  }
}

/** No meeting points: `strategy: free`. */
export const freeRunning = { arrive: async (): Promise<void> => {}, leave: (): void => {} };
export type Meeting = Pick<Barrier, 'arrive' | 'leave'>;

/** At most `n` hosts talk to their nodes at once (--forks). */
export class Semaphore {
  #free: number;
  #queue: Array<() => void> = [];
  constructor(n: number) {
    this.#free = Math.max(1, n);
  }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#queue.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** Serialises work on one host (tasks delegated to it from several hosts edit the same files). */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
