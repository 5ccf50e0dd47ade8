import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IssuedToken, TokenService } from './auth/token-service.js';
import { isStrongToken, TOKEN_STRENGTH_RULE } from './auth/token-strength.js';
import { ConfigError } from './config/load.js';
import type { MediaTools } from './media/ffmpeg.js';
import { runTool } from './media/ffmpeg.js';
import { writeExampleMedia } from './example-media.js';
import { defaultUpstream } from './providers/registry.js';
import type { AccountStore } from './store/account-store.js';

/** The first token, as the start that created it knows it. */
export interface FirstToken extends IssuedToken {
  /** `environment`: the operator's VIDGATE_BOOTSTRAP_TOKEN, whose value is never printed */
  source: 'generated' | 'environment';
}

export interface BootstrapResult {
  /** the first token, when this start created it; never logged (see announceFirstToken) */
  created: FirstToken | null;
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
  await writeExampleMedia(examplesDir, opts.tools);
  if ((await opts.accounts.countAccounts()) > 0) return { created: null, examplesDir };
  // checked before the account exists: an account without its token would skip the bootstrap
  // on every later start, the corrected token included
  if (opts.bootstrapToken !== undefined && !isStrongToken(opts.bootstrapToken))
    throw new ConfigError([`VIDGATE_BOOTSTRAP_TOKEN: ${TOKEN_STRENGTH_RULE}`]);
  const accountId = await opts.tokens.ensureAccount('default');
  const issued = await opts.tokens.issue(accountId, 'bootstrap', opts.bootstrapToken);
  const source = opts.bootstrapToken === undefined ? 'generated' : 'environment';
  return { created: { ...issued, source }, examplesDir };
}

async function writeExamples(dir: string, tools: MediaTools): Promise<void> {
  const i2v = join(dir, 'image2video.json');
  const r2v = join(dir, 'ref2video.json');
  if (existsSync(i2v) && existsSync(r2v)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
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
  // models the embedded upstream serves, so the examples work on a fresh install
  const models = defaultUpstream().defaultChannel.exampleModels;
  const uri = (p: string): string => `data:image/jpeg;base64,${readFileSync(p).toString('base64')}`;
  writeFileSync(
    i2v,
    JSON.stringify({
      model: models['first-frame'],
      input: {
        prompt: 'A slow cinematic push-in on a colourful test pattern.',
        img_url: uri(frame),
      },
      parameters: { resolution: '720P', duration: 5, audio: true, prompt_extend: true },
    }),
    { mode: 0o600 },
  );
  writeFileSync(
    r2v,
    JSON.stringify({
      model: models.references,
      input: {
        prompt: 'character1 drifts past character2 in a calm, colourful scene.',
        reference_urls: [uri(frame), uri(ref2)],
      },
      parameters: { size: '1280*720', duration: 5, audio: true, shot_type: 'single' },
    }),
    { mode: 0o600 },
  );
}

/** Where a generated first token is left when no one is at a terminal to read it. */
export function firstTokenFile(dataDir: string): string {
  return join(dataDir, 'secrets', 'bootstrap-token');
}

/**
 * The banner `vidgate serve` prints after creating the first token. The token's value appears
 * once, and only when a person reads stdout (a TTY): anything else (a file, a pipe to a log
 * collector) is a log, so the value goes to a 0600 file for the operator instead. A token the
 * operator supplied is never echoed; they already have it. Writes that file when it is needed.
 */
export function announceFirstToken(
  first: FirstToken,
  opts: { publicUrl: string; examplesDir: string; dataDir: string; interactive: boolean },
): string {
  const which = `${first.record.id} (${first.record.prefix})`;
  let intro: string[];
  if (first.source === 'environment') {
    intro = [
      ` vidgate created the first account and token from VIDGATE_BOOTSTRAP_TOKEN: ${which}.`,
      ' Its value is not printed; use the one you set:',
      '',
      '   TOKEN="$VIDGATE_BOOTSTRAP_TOKEN"',
    ];
  } else if (opts.interactive) {
    intro = [
      ' vidgate created the first account and token. The token is shown ONCE; keep it:',
      '',
      `   TOKEN=${first.token}`,
    ];
  } else {
    const file = firstTokenFile(opts.dataDir);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${first.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    intro = [
      ` vidgate created the first account and token ${which}.`,
      ' Output is not a terminal, so the token was written to a file readable only by this user;',
      ' store it elsewhere, then delete the file:',
      '',
      `   TOKEN=$(cat ${file})`,
    ];
  }
  return [
    '',
    '================================================================================',
    ...intro,
    '',
    ' Submit an image-to-video task (example body with a data: URI first frame):',
    '',
    `   curl -s -X POST ${opts.publicUrl}/task/bailian/image2video \\`,
    '     -H "Authorization: Bearer $TOKEN" \\',
    '     -H "Content-Type: application/json" \\',
    `     -d @${join(opts.examplesDir, 'image2video.json')}`,
    '',
    ` Then poll:  curl -s -H "Authorization: Bearer $TOKEN" ${opts.publicUrl}/task/<task_id>`,
    '================================================================================',
    '',
  ].join('\n');
}
