/** Answers every batched read at once: one list of values per key list, in order. */
export type BatchReader = (keyLists: readonly (readonly string[])[]) => (string | null)[][] | Promise<(string | null)[][]>;

interface PendingRead {
  readonly keys: readonly string[];
  readonly resolve: (values: (string | null)[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the multi-key reads issued while the event loop handles one round
 * of I/O and answers them together at its end (setImmediate): one store call
 * for all the requests that arrived together instead of one each, and their
 * responses leave together, the way auto-pipelining batches Redis commands.
 * A read is made after it was issued, so it sees every write before it.
 */
export class ReadBatcher {
  private pending: PendingRead[] = [];

  /** `readAll` gets the key lists of one round; what it throws or rejects with, every read of the round rejects with. */
  constructor(private readonly readAll: BatchReader) {}

  read(keys: readonly string[]): Promise<(string | null)[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ keys, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.answer);
    });
  }

  private readonly answer = (): void => {
    const batch = this.pending;
    this.pending = [];
    const settle = (answers: (string | null)[][]): void => {
      batch.forEach((read, index) => {
        read.resolve(answers[index] ?? []);
      });
    };
    const fail = (error: unknown): void => {
      for (const read of batch) read.reject(error);
    };
    try {
      const answers = this.readAll(batch.map((read) => read.keys));
      if (Array.isArray(answers)) settle(answers);
      else answers.then(settle, fail);
    } catch (error) {
      fail(error);
    }
  };
}
