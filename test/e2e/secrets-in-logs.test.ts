import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { generateToken } from '../../src/auth/token-format.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../src/simulator/simulator.js';
import {
  runVidgateCli,
  startVidgateProcess,
  type VidgateProcess,
} from '../support/vidgate-process.js';
import { imageDataUri, makeTempDir, randomText, removeDir, taskBodySchema } from './helpers.js';

/** Every file under `root`. */
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return lstatSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Each secret planted in the run; none may be found in any log line or data file. */
const planted = {
  bootstrapToken: `Planted-boot-${randomText(40)}`,
  dashscopeKey: `sk-planted${randomBytes(16).toString('hex')}`,
  adminToken: `Planted-admin-${randomText(40)}`,
  encryptionKey: randomBytes(32).toString('base64'),
  wrongOperatorToken: `Planted-wrong-${randomText(40)}`,
  wrongVidgateToken: generateToken(),
  wrongDashscopeKey: `sk-planted-wrong-${randomBytes(12).toString('hex')}`,
  wrongAdminToken: `Planted-admin-wrong-${randomText(40)}`,
};

/** A credential-bearing query value that did not go through the redaction. */
const UNREDACTED_LINK_PART =
  /[?&](sig|exp|signature|expires|ossaccesskeyid|x-oss-signature|x-oss-credential)=(?!\[redacted\])/i;

/*
 * Operators ship vidgate's stdout to log collectors, where anyone with log access reads it. A
 * full run at debug level, with the secrets vidgate holds planted where we can recognise them,
 * must leave none of them, and no usable signed link, in its output or in its data dir.
 */
describe('secrets in the logs of a debug-level run against DashScope', () => {
  let sim: DashScopeSimulator | undefined;
  let proc: VidgateProcess | undefined;
  let dataDir = '';
  let output = '';
  /** secrets handed out during the run: the CLI's token and every result link signature */
  const issued: string[] = [];
  /** every JSON answer of the run */
  const answers: string[] = [];

  before(async () => {
    sim = await startDashScopeSimulator({
      accounts: [{ id: 'acct-logs', region: 'beijing', keys: [planted.dashscopeKey] }],
      durations: { queueMs: 100, runMs: 300 },
    });
    dataDir = makeTempDir('secrets-in-logs');
    const env = {
      VIDGATE_DATA_DIR: dataDir,
      VIDGATE_BOOTSTRAP_TOKEN: planted.bootstrapToken,
      VIDGATE_ADMIN_TOKEN: planted.adminToken,
      VIDGATE_ENCRYPTION_KEY: planted.encryptionKey,
      DASHSCOPE_API_KEY: planted.dashscopeKey,
      DASHSCOPE_HTTP_BASE_URL: sim.url,
      VIDGATE_LOG_LEVEL: 'debug',
    };
    proc = await startVidgateProcess({ env });
    const created = await runVidgateCli(['tokens', 'create', '--account', 'cli', '--json'], env);
    assert.equal(created.code, 0, `${created.stdout}${created.stderr}`);
    issued.push(z.object({ token: z.string() }).parse(JSON.parse(created.stdout)).token);
    await runFlow(proc, issued, answers);
    await proc.kill('SIGTERM');
    output = proc.output();
  });

  after(async () => {
    await proc?.kill();
    await sim?.close();
    if (dataDir !== '') removeDir(dataDir);
  });

  it('logged the run at debug level (the scan below has something to scan)', () => {
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 20, `only ${lines.length} log lines:\n${output}`);
    assert.ok(
      lines.some((l) => l.includes('/results/')),
      'the result download was logged',
    );
    assert.match(output, /created the first account and token from VIDGATE_BOOTSTRAP_TOKEN/);
  });

  it('shows no planted or issued secret anywhere in the output', () => {
    const found = Object.entries(planted).filter(([, secret]) => output.includes(secret));
    assert.deepEqual(found, [], 'planted secrets in the output');
    const leaked = issued.filter((secret) => output.includes(secret));
    assert.deepEqual(leaked, [], 'issued token or link signatures in the output');
  });

  it('answers no request with a planted secret', () => {
    assert.ok(answers.length >= 10, `${answers.length} answers`);
    const found = Object.entries(planted).filter(([, s]) => answers.some((a) => a.includes(s)));
    assert.deepEqual(found, []);
  });

  it('shows no signed link query value in the output', () => {
    const bad = output.split('\n').filter((l) => UNREDACTED_LINK_PART.test(l));
    assert.deepEqual(bad, [], 'lines with a link credential');
  });

  it('stores no planted or issued secret in any file of the data dir', () => {
    const files = filesUnder(dataDir);
    assert.ok(files.some((f) => f.endsWith('vidgate.db')));
    const hits = files.flatMap((file) => {
      const bytes = readFileSync(file);
      const rel = relative(dataDir, file);
      return [...Object.values(planted), ...issued.slice(0, 1)]
        .filter((secret) => bytes.includes(Buffer.from(secret)))
        .map((secret) => `${rel}: ${secret.slice(0, 12)}…`);
    });
    assert.deepEqual(hits, []);
    const logs = files.filter((f) => f.endsWith('.log'));
    for (const log of logs)
      assert.ok(!UNREDACTED_LINK_PART.test(readFileSync(log, 'utf8')), `${log} holds a link`);
  });
});

/** Create, poll, download, and the failures an attacker or a misconfigured client causes. */
async function runFlow(proc: VidgateProcess, issued: string[], answers: string[]): Promise<void> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${proc.url}${path}`, { headers });
    const body = Buffer.from(await r.arrayBuffer());
    if (r.headers.get('content-type')?.includes('json')) answers.push(body.toString('utf8'));
    return r.status;
  };

  const res = await fetch(`${proc.url}/task/bailian/image2video`, {
    method: 'POST',
    headers: { ...bearer(planted.bootstrapToken), 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'wan2.6-i2v-flash',
      input: { prompt: 'a lantern in the fog', img_url: await imageDataUri(320, 240) },
      parameters: { resolution: '720P', duration: 2 },
    }),
  });
  const createdText = await res.text();
  answers.push(createdText);
  let task = taskBodySchema.parse(JSON.parse(createdText));
  assert.equal(res.status, 200, createdText);
  const id = task.output.task_id;
  const deadline = Date.now() + 60_000;
  while (!['SUCCEEDED', 'FAILED'].includes(task.output.task_status)) {
    assert.ok(Date.now() < deadline, `task still ${task.output.task_status}`);
    await sleep(200);
    const poll = await fetch(`${proc.url}/task/${id}`, { headers: bearer(planted.bootstrapToken) });
    const text = await poll.text();
    answers.push(text);
    task = taskBodySchema.parse(JSON.parse(text));
  }
  assert.equal(task.output.task_status, 'SUCCEEDED', JSON.stringify(task));

  const link = new URL(task.output.video_url ?? '');
  const sig = link.searchParams.get('sig') ?? '';
  assert.ok(sig.length >= 16, `a signed link: ${link.href}`);
  issued.push(sig);
  assert.equal(await get(`${link.pathname}${link.search}`), 200);
  assert.equal(await get(`${link.pathname}${link.search}`, { range: 'bytes=0-99' }), 206);
  const tampered = new URL(link);
  tampered.searchParams.set('sig', `${sig.slice(0, -2)}xy`);
  assert.notEqual(await get(`${tampered.pathname}${tampered.search}`), 200);

  // the CLI's token is accepted: the CLI hashes with the server's key
  assert.equal(await get(`/task/${id}`, bearer(issued[0] ?? '')), 200);

  for (const wrong of [
    planted.wrongOperatorToken,
    planted.wrongVidgateToken,
    planted.wrongDashscopeKey,
  ])
    assert.equal(await get(`/task/${id}`, bearer(wrong)), 401);
  assert.equal(await get(`/task/${id}`, { authorization: planted.wrongOperatorToken }), 401);
  assert.equal(await get(`/task/${id}`, { 'x-dashscope-api-key': planted.wrongDashscopeKey }), 401);
  assert.equal(await get(`/task/${id}?token=${planted.wrongVidgateToken}`), 401);

  assert.equal(await get('/admin/channels', bearer(planted.adminToken)), 200);
  assert.equal(await get('/admin/channels', bearer(planted.wrongAdminToken)), 401);
}
