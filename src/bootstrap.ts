import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenService } from './auth/token-service.js';
import type { MediaTools } from './media/ffmpeg.js';
import { runTool } from './media/ffmpeg.js';
import type { AccountStore } from './store/account-store.js';
import type { ChannelStore } from './store/channel-store.js';
import { DEFAULT_LIMITS } from './channels/channel-limits.js';
import type { Clock } from './shared/clock.js';
import { newId } from './shared/ids.js';

export interface BootstrapResult {
  /** the first token, when this start created it; printed once and never again */
  token: string | null;
  examplesDir: string;
}

/** On an empty store: one account, one token, and ready-to-send example requests. */
export async function bootstrap(opts: {
  accounts: AccountStore;
  tokens: TokenService;
  dataDir: string;
  bootstrapToken: string | undefined;
  tools: MediaTools;
}): Promise<BootstrapResult> {
  const examplesDir = join(opts.dataDir, 'examples');
  await writeExamples(examplesDir, opts.tools);
  if ((await opts.accounts.countAccounts()) > 0) return { token: null, examplesDir };
  const accountId = await opts.tokens.ensureAccount('default');
  const issued = await opts.tokens.issue(accountId, 'bootstrap', opts.bootstrapToken);
  return { token: issued.token, examplesDir };
}

/** The embedded default upstream: a sandbox channel, created when no channel exists at all. */
export async function ensureDefaultChannel(channels: ChannelStore, clock: Clock): Promise<void> {
  if ((await channels.list()).length > 0) return;
  await channels.insert({
    id: newId('channel'),
    name: 'sandbox',
    provider: 'sandbox',
    settings: JSON.stringify({}),
    models: JSON.stringify(['*']),
    priority: 0,
    weight: 1,
    limits: JSON.stringify({ ...DEFAULT_LIMITS, maxRunning: 4 }),
    enabled: 1,
    pausedUntil: null,
    pauseReason: null,
    createdAt: clock.now(),
  });
}

async function writeExamples(dir: string, tools: MediaTools): Promise<void> {
  const i2v = join(dir, 'image2video.json');
  const r2v = join(dir, 'ref2video.json');
  if (existsSync(i2v) && existsSync(r2v)) return;
  mkdirSync(dir, { recursive: true });
  const frame = join(dir, 'first-frame.jpg');
  const ref2 = join(dir, 'reference-2.jpg');
  await runTool(tools.ffmpeg, [
    '-y',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=960x540',
    '-frames:v',
    '1',
    '-q:v',
    '4',
    frame,
  ]);
  await runTool(tools.ffmpeg, [
    '-y',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'mandelbrot=s=640x640',
    '-frames:v',
    '1',
    '-q:v',
    '4',
    ref2,
  ]);
  const uri = (p: string): string => `data:image/jpeg;base64,${readFileSync(p).toString('base64')}`;
  writeFileSync(
    i2v,
    JSON.stringify({
      model: 'wan2.6-i2v-flash',
      input: {
        prompt: 'A slow cinematic push-in on a colourful test pattern.',
        img_url: uri(frame),
      },
      parameters: { resolution: '720P', duration: 5, audio: true, prompt_extend: true },
    }),
  );
  writeFileSync(
    r2v,
    JSON.stringify({
      model: 'wan2.6-r2v-flash',
      input: {
        prompt: 'character1 drifts past character2 in a calm, colourful scene.',
        reference_urls: [uri(frame), uri(ref2)],
      },
      parameters: { size: '1280*720', duration: 5, audio: true, shot_type: 'single' },
    }),
  );
}

export function bootstrapBanner(token: string, publicUrl: string, examplesDir: string): string {
  return [
    '',
    '================================================================================',
    ' vidgate created the first account and token. The token is shown ONCE; keep it:',
    '',
    `   ${token}`,
    '',
    ' Submit an image-to-video task (example body with a data: URI first frame):',
    '',
    `   curl -s -X POST ${publicUrl}/task/bailian/image2video \\`,
    `     -H "Authorization: Bearer ${token}" \\`,
    `     -H "Content-Type: application/json" \\`,
    `     -d @${join(examplesDir, 'image2video.json')}`,
    '',
    ' Then poll:  curl -s -H "Authorization: Bearer <token>" ' + `${publicUrl}/task/<task_id>`,
    '================================================================================',
    '',
  ].join('\n');
}
