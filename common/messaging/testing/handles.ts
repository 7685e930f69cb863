// "Leaves nothing behind": the kinds of handles (sockets, timers, …) the process holds, compared before
// and after. Counts are compared per kind, as other tests' sockets may still be closing.

export type HandleCounts = Record<string, number>;

export function activeHandles(): HandleCounts {
  const counts: HandleCounts = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** The kinds of which there are more now than in `before`, once closing sockets had up to `withinMs` to go. */
export async function handlesAddedSince(before: HandleCounts, withinMs = 2_000): Promise<HandleCounts> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const now = activeHandles();
    const added: HandleCounts = {};
    for (const [kind, count] of Object.entries(now)) {
      const extra = count - (before[kind] ?? 0);
      if (extra > 0) added[kind] = extra;
    }
    if (Object.keys(added).length === 0 || Date.now() >= deadline) return added;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
