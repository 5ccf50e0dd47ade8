import { z } from 'zod';

/** DashScope's JSON bodies (reference §6–§9), parsed at the edge; unknown keys are kept. */
export const errorBodySchema = z.object({
  request_id: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

export const createAnswerSchema = z.object({
  request_id: z.string().optional(),
  output: z.object({ task_id: z.string().min(1), task_status: z.string() }),
});

export const taskBodySchema = z.object({
  request_id: z.string().optional(),
  output: z.looseObject({
    task_id: z.string(),
    task_status: z.string(),
    submit_time: z.string().optional(),
    scheduled_time: z.string().optional(),
    end_time: z.string().optional(),
    video_url: z.string().optional(),
    /** where s2v and animate answers put the URL, as several clients read it (families §7, §8) */
    results: z.looseObject({ video_url: z.string().optional() }).optional(),
    orig_prompt: z.string().optional(),
    actual_prompt: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z.record(z.string(), z.unknown()).optional(),
});
export type TaskBody = z.infer<typeof taskBodySchema>;

export const listBodySchema = z.object({
  request_id: z.string().optional(),
  total: z.coerce.number().optional(),
  total_page: z.coerce.number().optional(),
  page_no: z.coerce.number().optional(),
  page_size: z.coerce.number().optional(),
  data: z
    .array(
      z.looseObject({
        task_id: z.string(),
        status: z.string(),
        model_name: z.string().optional(),
        gmt_create: z.coerce.number().optional(),
        start_time: z.coerce.number().optional(),
        request_id: z.string().optional(),
      }),
    )
    .default([]),
});

/** s2v's face check answer (families §7.1): `check_pass`, `humanoid`, and why not. */
export const detectAnswerSchema = z.object({
  request_id: z.string().optional(),
  output: z.looseObject({
    check_pass: z.boolean(),
    humanoid: z.boolean().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z.record(z.string(), z.unknown()).optional(),
});
