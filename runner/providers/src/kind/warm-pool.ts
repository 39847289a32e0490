/** Thrown when another cluster would exceed the configured maximum. */
export class CapacityError extends Error {
  constructor(max: number) {
    super(
      `failed to create cluster: the limit of ${max} concurrent clusters is reached; end a session or raise --max-clusters`,
    );
    this.name = 'CapacityError';
  }
}

/** How many kind clusters the pool keeps ready ahead of learners, its bounds, and how it makes and deletes one. */
export interface WarmPoolOptions<T> {
  /** How many ready clusters to keep waiting (0 disables the pool). */
  size: number;
  /** Most clusters alive at once: warming + ready + leased. */
  max: number;
  create(): Promise<T>;
  destroy(item: T): Promise<void>;
  onError(error: unknown): void;
}

/**
 * Keeps `size` clusters ready so a learner's session starts in seconds. A leased
 * cluster is never handed to anyone else: release destroys it and the pool warms
 * a fresh one. Pure accounting around injected create/destroy, so it is tested
 * without Docker.
 */
export class WarmPool<T> {
  private ready: T[] = [];
  private warming = 0;
  private leased = new Set<T>();
  private closed = false;
  /** Warm-ups under way, so close() can wait for them and destroy what they make. */
  private inflight = new Set<Promise<unknown>>();

  constructor(private readonly options: WarmPoolOptions<T>) {}

  stats(): { ready: number; warming: number; leased: number; max: number } {
    return { ready: this.ready.length, warming: this.warming, leased: this.leased.size, max: this.options.max };
  }

  private total(): number {
    return this.ready.length + this.warming + this.leased.size;
  }

  /** Starts warming clusters until `size` are ready or warming, within `max`. */
  fill(): void {
    while (!this.closed && this.ready.length + this.warming < this.options.size && this.total() < this.options.max) {
      this.warming++;
      const warmUp: Promise<unknown> = this.options
        .create()
        .then(
          (item) => {
            if (this.closed) return this.options.destroy(item);
            this.ready.push(item);
          },
          (error) => this.options.onError(error),
        )
        .finally(() => {
          this.warming--;
          this.inflight.delete(warmUp);
        });
      this.inflight.add(warmUp);
    }
  }

  /**
   * A ready cluster if there is one, else a new one from `fresh` (by default the
   * pool's own create); refuses past `max`.
   */
  async acquire(fresh: () => Promise<T> = this.options.create): Promise<{ item: T; warm: boolean }> {
    const warm = this.ready.shift();
    if (warm !== undefined) {
      this.leased.add(warm);
      this.fill();
      return { item: warm, warm: true };
    }
    if (this.total() >= this.options.max) throw new CapacityError(this.options.max);
    this.warming++;
    try {
      const item = await fresh();
      this.leased.add(item);
      return { item, warm: false };
    } finally {
      this.warming--;
    }
  }

  /** Ends a lease: the cluster is destroyed, never reused, and the pool refills. */
  async release(item: T): Promise<void> {
    if (!this.leased.delete(item)) return;
    try {
      await this.options.destroy(item);
    } finally {
      this.fill();
    }
  }

  /**
   * Destroys every ready cluster, and every one still warming once it is made, so
   * nothing is left behind. Leased clusters stay with their sessions.
   */
  async close(): Promise<void> {
    this.closed = true;
    const ready = this.ready.splice(0);
    await Promise.all(ready.map((item) => this.options.destroy(item).catch((e) => this.options.onError(e))));
    await Promise.allSettled([...this.inflight]);
  }
}
