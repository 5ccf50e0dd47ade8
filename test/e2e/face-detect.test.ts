import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMediaHost, type MediaHost } from '../support/ai-sdk-client.js';
import { expectError, faceVerdictSchema, startTestVidgate, type TestVidgate } from './helpers.js';

const SEED = '/task/bailian/face-detect';
const NATIVE = '/api/v1/services/aigc/image2video/face-detect';

/*
 * s2v's synchronous face check (families §7.1) on the sandbox: a verdict is a 200 either way;
 * the sandbox passes an upright portrait and fails a landscape picture (its documented rule).
 */
describe('face-detect on the sandbox', () => {
  let vg: TestVidgate;
  let media: MediaHost;

  before(async () => {
    media = await startMediaHost();
    vg = await startTestVidgate({ env: { VIDGATE_MEDIA_ALLOW_HOSTS: media.hostPort } });
  });

  after(async () => {
    await vg.stop();
    await media.close();
  });

  const detect = (path: string, body: unknown, token?: string | null) =>
    vg.api('POST', path, body, token);

  it('passes a portrait-shaped image on both faces, and bills one image', async () => {
    // the media host's square reference image (480x480): width/height 1 is upright enough
    for (const path of [SEED, NATIVE]) {
      const res = await detect(path, {
        model: 'wan2.2-s2v-detect',
        input: { image_url: `${media.url}/portrait.jpg` },
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const body = faceVerdictSchema.parse(res.json);
      assert.deepEqual(body.output, { check_pass: true, humanoid: true });
    }
  });

  it('answers 200 with check_pass false and a reason for a landscape picture', async () => {
    // 960x540: inside the check's 400–7000 px, but lying down
    const wide = await detect(NATIVE, { input: { image_url: `${media.url}/landscape.jpg` } });
    assert.equal(wide.status, 200);
    const body = faceVerdictSchema.parse(wide.json);
    assert.equal(body.output.check_pass, false);
    assert.equal(body.output.humanoid, false);
    assert.match(body.output.message ?? '', /upright portrait.*960x540/);
    // 640x360: below the check's 400 px, also a verdict, naming the limit
    const small = faceVerdictSchema.parse(
      (await detect(SEED, { input: { image_url: `${media.url}/frame.png` } })).json,
    );
    assert.equal(small.output.check_pass, false);
    assert.match(small.output.message ?? '', /400 to 7000 px/);
  });

  it('refuses bad requests with DashScope-shaped errors naming the field', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [
        { model: 'wan2.2-s2v', input: { image_url: `${media.url}/a.jpg` } },
        'InvalidParameter',
        /'model'.*wan2\.2-s2v-detect/,
      ],
      [{ model: 'wan2.2-s2v-detect' }, 'BadRequest.EmptyInput', /'input'/],
      [{ input: {} }, 'InvalidParameter', /input\.image_url/],
      [
        { input: { image_url: 'data:image/png;base64,AAAA' } },
        'InvalidURL',
        /input\.image_url.*http/,
      ],
      [{ input: { image_url: 'http://10.0.0.1/a.jpg' } }, 'InvalidURL', /input\.image_url/],
    ];
    for (const [body, code, text] of cases) {
      const res = await detect(SEED, body);
      const message = expectError(res, 400, code);
      assert.match(message, text);
    }
  });

  it('needs a token on both faces', async () => {
    for (const path of [SEED, NATIVE]) {
      expectError(
        await detect(path, { input: { image_url: `${media.url}/a.jpg` } }, null),
        401,
        'InvalidApiKey',
      );
    }
  });
});
