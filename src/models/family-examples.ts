import type { FamilyId } from './model-table.js';

/**
 * One runnable example per family for docs/models.md: shell lines that upload the example
 * media a fresh start writes to `data/examples/` and send one create. The last line prints the
 * create's answer. test/e2e/models-doc-examples.test.ts runs these very lines against a fresh
 * vidgate, so the docs cannot drift from what works.
 */
export interface FamilyExample {
  readonly family: FamilyId;
  readonly model: string;
  readonly lines: readonly string[];
}

const up = (v: string, file: string, model: string) =>
  `${v}=$(node examples/upload.mjs "$EX/${file}" ${model})`;

function create(route: string, body: string): string {
  return `curl -s -X POST "$VIDGATE_URL${route}" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "${body.replace(/"/g, '\\"')}"`;
}

/** A JSON body with `$NAME` shell variables left for the shell to fill. */
function body(model: string, input: string, parameters = '{}'): string {
  return `{"model":"${model}","input":${input},"parameters":${parameters}}`;
}

export const FAMILY_EXAMPLES: readonly FamilyExample[] = [
  {
    family: 'wan2.7',
    model: 'wan2.7-i2v',
    lines: [
      up('FRAME', 'first-frame.jpg', 'wan2.7-i2v'),
      up('LAST', 'last-frame.jpg', 'wan2.7-i2v'),
      create(
        '/task/bailian/image2video',
        body(
          'wan2.7-i2v',
          '{"prompt":"the test pattern turns into colour bars","media":[{"type":"first_frame","url":"$FRAME"},{"type":"last_frame","url":"$LAST"}]}',
          '{"resolution":"720P","duration":3}',
        ),
      ),
    ],
  },
  {
    family: 'wan3.0',
    model: 'wan3.0-video',
    lines: [
      up('REF', 'reference-2.jpg', 'wan3.0-video'),
      up('VOICE', 'speech.wav', 'wan3.0-video'),
      create(
        '/task/bailian/ref2video',
        body(
          'wan3.0-video',
          '{"prompt":"Image 1 hums along to Audio 1","media":[{"type":"reference_image","url":"$REF"},{"type":"reference_audio","url":"$VOICE"}]}',
          '{"resolution":"480P","duration":-1}',
        ),
      ),
    ],
  },
  {
    family: 'happyhorse',
    model: 'happyhorse-1.0-i2v',
    lines: [
      up('FRAME', 'first-frame.jpg', 'happyhorse-1.0-i2v'),
      create(
        '/task/bailian/image2video',
        body(
          'happyhorse-1.0-i2v',
          '{"prompt":"a slow push-in","media":[{"type":"first_frame","url":"$FRAME"}]}',
          '{"resolution":"720P","duration":3}',
        ),
      ),
    ],
  },
  {
    family: 'kf2v',
    model: 'wan2.2-kf2v-flash',
    lines: [
      up('FIRST', 'first-frame.jpg', 'wan2.2-kf2v-flash'),
      up('LAST', 'last-frame.jpg', 'wan2.2-kf2v-flash'),
      create(
        '/task/bailian/kf2video',
        body(
          'wan2.2-kf2v-flash',
          '{"prompt":"the camera glides","first_frame_url":"$FIRST","last_frame_url":"$LAST"}',
          '{"resolution":"480P"}',
        ),
      ),
    ],
  },
  {
    family: 'vace',
    model: 'wan2.1-vace-plus',
    lines: [
      up('CLIP', 'clip.mp4', 'wan2.1-vace-plus'),
      create(
        '/task/bailian/videoedit',
        body(
          'wan2.1-vace-plus',
          '{"function":"video_repainting","prompt":"repaint it as a pencil sketch","video_url":"$CLIP"}',
          '{"control_condition":"depth"}',
        ),
      ),
    ],
  },
  {
    family: 's2v',
    model: 'wan2.2-s2v',
    lines: [
      up('FACE', 'portrait.jpg', 'wan2.2-s2v'),
      up('SPEECH', 'speech.wav', 'wan2.2-s2v'),
      create(
        '/task/bailian/speech2video',
        body('wan2.2-s2v', '{"image_url":"$FACE","audio_url":"$SPEECH"}', '{"resolution":"480P"}'),
      ),
    ],
  },
  {
    family: 'animate',
    model: 'wan2.2-animate-mix',
    lines: [
      up('FACE', 'portrait.jpg', 'wan2.2-animate-mix'),
      up('MOTION', 'clip.mp4', 'wan2.2-animate-mix'),
      create(
        '/task/bailian/animate',
        body(
          'wan2.2-animate-mix',
          '{"image_url":"$FACE","video_url":"$MOTION"}',
          '{"mode":"wan-std"}',
        ),
      ),
    ],
  },
];
