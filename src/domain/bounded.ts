// Work over many items, a few at a time: bulk staging, the protocol's promotions, the benchmark's clients.

/**
 * Runs `work` for `count` indexes in order, at most `limit` at a time. After the first failure no new index starts;
 * the ones running finish (so that an undo never races a transfer still going), then that first failure is thrown.
 */
export async function runBounded(count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let firstFailure: unknown;
  const worker = async () => {
    while (next < count && !failed) {
      try {
        await work(next++);
      } catch (error) {
        if (!failed) firstFailure = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failed) throw firstFailure;
}
