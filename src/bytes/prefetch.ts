// Pulls up to `depth` items ahead of the consumer, so that the stage before it (reading the
// tree, compressing) runs while the stage after it (compressing, writing) works. Memory is
// bounded by `depth` items; errors surface at the consumer, in order.
export async function* prefetch<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let done = false;
  const refill = () => {
    while (!done && queue.length < depth) {
      const next = it.next();
      queue.push(next);
      next.then(
        (r) => {
          if (r.done) done = true;
        },
        () => {
          done = true;
        },
      );
    }
  };
  try {
    for (;;) {
      refill();
      const r = await queue.shift()!;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    if (!done) await it.return?.();
  }
}
