/**
 * Preloaded into a vidgate child process by bench/get-under-creates.ts
 * (`node --import tsx --import ./bench/loop-probe.ts src/bin.ts serve`), never by vidgate itself:
 * it measures how late timers fire in the server's own thread, which a client cannot see, and
 * answers over the IPC channel so no route has to expose it.
 *
 *   parent → child  { type: 'loop-reset' }            start a new measurement window
 *   child → parent  { type: 'loop-report', p50, p99, max, mean }   how late a 10 ms timer fired
 *                                                                 (ms) since the last reset
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();

/** The histogram holds whole intervals between ticks: how late a tick came is that − 10 ms. */
const lateMs = (ns: number): number =>
  Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);

if (process.send) {
  process.on('message', (raw: unknown) => {
    const type = typeof raw === 'object' && raw !== null && 'type' in raw ? raw.type : undefined;
    if (type === 'loop-reset') {
      histogram.reset();
      process.send?.({ type: 'loop-reset-done' });
    } else if (type === 'loop-report') {
      process.send?.({
        type: 'loop-report',
        p50: lateMs(histogram.percentile(50)),
        p99: lateMs(histogram.percentile(99)),
        max: lateMs(histogram.max),
        mean: lateMs(histogram.mean),
      });
    }
  });
  // the channel must not keep a server that was told to stop alive
  process.channel?.unref();
}
