/** a push names one task, a batch a handful: more is not an EventBridge delivery */
const MAX_IDS = 20;
const MAX_DEPTH = 4;

const TASK_ID_KEYS = new Set(['task_id', 'taskId', 'taskid', 'TaskId']);

/**
 * Task ids wherever an event may carry them (the `data` of a CloudEvent, its `output`, a batch
 * of events, the top level): the field names are unpublished (families §11 #35).
 */
export function pushTaskIds(body: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (found.size >= MAX_IDS || depth > MAX_DEPTH || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (TASK_ID_KEYS.has(k) && typeof x === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(x)) {
        found.add(x);
      } else {
        walk(x, depth + 1);
      }
    }
  };
  walk(body, 0);
  return [...found].slice(0, MAX_IDS);
}
