import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** A sandbox "upstream" task, persisted so that a restart loses nothing. */
export const sandboxJobSchema = z.object({
  id: z.string(),
  body: z.object({
    model: z.string(),
    input: z.record(z.string(), z.unknown()),
    parameters: z.record(z.string(), z.unknown()),
  }),
  submittedAt: z.number(),
  queueMs: z.number(),
  runMs: z.number(),
  /** the vidgate task it renders, for logs and its kept input copies; null in older jobs */
  taskId: z.string().nullable().default(null),
  failure: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
  /** when cancel() took it out of the queue; a canceled job never renders */
  canceledAt: z.number().nullable().default(null),
  /** set once the video is on disk: the `usage` it reports (older jobs: its input seconds) */
  rendered: z
    .object({
      usage: z.record(z.string(), z.unknown()).optional(),
      actualPrompt: z.string().optional(),
      inputVideoSeconds: z.number().optional(),
    })
    .nullable()
    .default(null),
  /** field → file in mediaDir: the checked copies taken at submit (ADR 0009) */
  media: z.record(z.string(), z.string().regex(/^[a-z0-9-]+$/)).default({}),
});
export type SandboxJob = z.infer<typeof sandboxJobSchema>;

export class SandboxJobs {
  constructor(private readonly dir: string) {}

  /** a job's file: ids are checked here, so no link or query can name a path outside `dir` */
  private fileOf(id: string, ext: string): string {
    if (!/^[a-z0-9_-]+$/i.test(id)) throw new Error(`bad sandbox job id ${id}`);
    return join(this.dir, `${id}${ext}`);
  }

  private pathOf(id: string): string {
    return this.fileOf(id, '.json');
  }

  videoPath(id: string): string {
    return this.fileOf(id, '.mp4');
  }

  /** the job's checked input copies; kept across attempts and restarts until it ends */
  mediaDir(id: string): string {
    return join(this.dir, `${id}.media`);
  }

  /** one folder per render attempt, so an attempt never deletes another's inputs */
  inputDir(id: string, attempt: string): string {
    return join(this.dir, `${id}.inputs.${attempt}`);
  }

  async save(job: SandboxJob): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(job.id);
    await writeFile(`${path}.tmp`, JSON.stringify(job));
    await rename(`${path}.tmp`, path);
  }

  async load(id: string): Promise<SandboxJob | null> {
    try {
      return sandboxJobSchema.parse(JSON.parse(await readFile(this.pathOf(id), 'utf8')));
    } catch {
      return null;
    }
  }
}
