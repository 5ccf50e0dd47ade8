import { Worker } from 'node:worker_threads';
import type { CreateScope } from '../models/validate-request.js';
import type { Intake } from '../tasks/create-intake.js';
import type { IntakeAnswer, IntakeJob, IntakeSetup } from './intake-thread.js';

/**
 * Threads that parse and check large create bodies (issue 11): a 28 MB body costs a few hundred
 * milliseconds of JSON parsing, base64 decoding and checking, which on the event loop stalled
 * every other request for seconds when 16 arrived together. Jobs queue for the first free
 * thread; bytes are handed over without a copy.
 */
export class IntakePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { job: Omit<IntakeJob, 'seq'>; done: (i: Intake) => void }[] = [];
  private readonly waiting = new Map<number, { worker: Worker; done: (i: Intake) => void }>();
  private seq = 0;

  constructor(setup: IntakeSetup, size: number) {
    for (let i = 0; i < size; i++) this.spawn(setup);
  }

  private spawn(setup: IntakeSetup): void {
    const entry = new URL(
      `./intake-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
      import.meta.url,
    );
    const workerData = { kind: 'intake-thread', setup };
    // a thread does not inherit tsx's loader: from the sources, register it there first
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    worker.unref();
    worker.on('message', (m: IntakeAnswer) => {
      const w = this.waiting.get(m.seq);
      if (!w) return;
      this.waiting.delete(m.seq);
      w.done(m.intake);
      this.release(worker);
    });
    worker.on('error', () => {
      // a thread that died answers its job as failed; the pool carries on with the others
      for (const [seq, w] of this.waiting) {
        if (w.worker !== worker) continue;
        this.waiting.delete(seq);
        w.done({
          ok: false,
          code: 'InternalError',
          message: 'vidgate could not check the request.',
        });
      }
    });
    this.all.push(worker);
    this.idle.push(worker);
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    if (next) this.send(worker, next.job, next.done);
    else this.idle.push(worker);
  }

  private send(worker: Worker, job: Omit<IntakeJob, 'seq'>, done: (i: Intake) => void): void {
    const seq = ++this.seq;
    this.waiting.set(seq, { worker, done });
    const { bytes } = job;
    // a buffer that owns its whole memory is moved, not copied; a slice of a shared pool is copied
    const owned =
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer;
    const message: IntakeJob = { ...job, seq };
    if (owned && bytes.buffer instanceof ArrayBuffer) worker.postMessage(message, [bytes.buffer]);
    else worker.postMessage(message);
  }

  run(taskId: string, mode: CreateScope, bytes: Uint8Array): Promise<Intake> {
    return new Promise((done) => {
      const job = { taskId, mode, bytes };
      const worker = this.idle.pop();
      if (worker) this.send(worker, job, done);
      else this.queue.push({ job, done });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
