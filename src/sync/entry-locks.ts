// One delivery per outbox entry at a time. The live path and the replay (after a helper restart,
// a spool intake, or a "server is reachable" flush) can reach the same watch entry; if both read
// the item before either scrobbled, both would scrobble. Holding the entry's lock across
// check-and-scrobble makes the second one see the first one's result.

export class EntryLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` when no other task holds `id`. */
  async run<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(id) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.#tails.set(id, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    }
  }
}
