// What must still happen when the agent is interrupted (SIGINT, SIGTERM, SIGHUP) before it
// exits: a lock object on a remote storage would otherwise block every other run of its chain
// until it goes stale (30 minutes). Each step runs with a time bound, so an unreachable
// storage cannot hold the exit back.
const steps = new Set<() => Promise<void>>();

/** Registers `step`; the returned function unregisters it (call it once the step is moot). */
export function onInterrupt(step: () => Promise<void>): () => void {
  steps.add(step);
  return () => {
    steps.delete(step);
  };
}

/** Runs every registered step, giving them `withinMs` in all. */
export async function runInterruptSteps(withinMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, withinMs);
  });
  await Promise.race([Promise.allSettled([...steps].map((s) => s())), deadline]);
  clearTimeout(timer);
}
