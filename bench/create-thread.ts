/**
 * Creates sent from their own thread (bench/get-under-creates.ts): the users who send them are
 * other clients, and building and sending hundreds of KB per create in the thread that times the
 * GETs would put the load generator's own queueing into the GET figures.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { Client } from './http-client.js';

const input = z.object({
  kind: z.literal('create-thread'),
  url: z.string(),
  token: z.string(),
  /** the JSON body every create sends, with `input.prompt` replaced by promptPrefix + index */
  template: z.string(),
  promptPrefix: z.string(),
});
type Input = z.infer<typeof input>;

const command = z.object({
  from: z.number().int().nonnegative(),
  count: z.number().int().positive(),
  concurrency: z.number().int().positive(),
});
type Command = z.infer<typeof command>;

const createdSchema = z.object({ output: z.object({ task_id: z.string().min(1) }) });

export type CreateThreadMessage =
  { type: 'created'; id: string } | { type: 'done'; latencies: number[]; errors: number };

async function burst(w: Input, client: Client, c: Command): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const template = JSON.parse(w.template) as { input: Record<string, unknown> };
  const latencies: number[] = [];
  let errors = 0;
  let next = c.from;
  const sender = async (): Promise<void> => {
    for (let i = next++; i < c.from + c.count; i = next++) {
      const body = JSON.stringify({
        ...template,
        input: { ...template.input, prompt: `${w.promptPrefix}${i}` },
      });
      const t = performance.now();
      try {
        const res = await client.send('POST', '/task/bailian/image2video', body);
        if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 200)}`);
        latencies.push(performance.now() - t);
        const id = createdSchema.parse(JSON.parse(res.body)).output.task_id;
        port.postMessage({ type: 'created', id } satisfies CreateThreadMessage);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, sender));
  port.postMessage({ type: 'done', latencies, errors } satisfies CreateThreadMessage);
}

if (!isMainThread && input.safeParse(workerData).success) {
  const w = input.parse(workerData);
  const client = new Client(w.url, w.token, 64);
  parentPort?.on('message', (raw: unknown) => {
    if (raw === 'close') {
      client.close();
      parentPort?.close();
      return;
    }
    void burst(w, client, command.parse(raw));
  });
}

export interface CreateThread {
  /** sends creates from..from+count-1; each created id goes to `onCreated` as it is answered */
  run(
    c: Command,
    onCreated: (id: string) => void,
  ): Promise<{ latencies: number[]; errors: number }>;
  close(): Promise<void>;
}

export function startCreateThread(w: Omit<Input, 'kind'>): CreateThread {
  // a worker thread does not inherit tsx's loader: register it there, then load this file
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { kind: 'create-thread', ...w } satisfies Input,
  });
  let failure: Error | null = null;
  worker.on('error', (err) => (failure = err));
  return {
    run: (c, onCreated) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const onMessage = (m: CreateThreadMessage): void => {
          if (m.type === 'created') return onCreated(m.id);
          worker.off('message', onMessage);
          resolve({ latencies: m.latencies, errors: m.errors });
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.postMessage(c);
      }),
    close: async () => {
      worker.postMessage('close');
      await worker.terminate();
    },
  };
}
