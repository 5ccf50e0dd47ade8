/**
 * When to query a task again. With a status sweep (task list) watching the channel, a task is
 * queried at its expected end and then ever more rarely: the sweep pulls it forward when the list
 * shows a change. Without one, polls close in on the expected end.
 */
export function pollDelayMs(msToEta: number, swept: boolean): number {
  // whole milliseconds: the store keeps times as bigint
  if (swept) {
    if (msToEta > 0) return Math.round(Math.max(1000, msToEta + 500));
    return Math.round(Math.min(60_000, Math.max(3000, -msToEta / 2)));
  }
  return Math.round(Math.min(15_000, Math.max(1000, msToEta / 2)));
}
