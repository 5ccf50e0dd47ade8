import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_ERRORS } from '../contract/error-codes.js';
import { acceptedCases } from './accepted-request-cases.js';
import { flatModels, MODEL_MODES, MODELS, ROUTE_ACCEPTS } from './model-table.js';
import { rejectedCases } from './rejected-request-cases.js';
import { IMG, validBody } from './request-case-bodies.js';
import { validateRequest } from './validate-request.js';

/**
 * Table-driven: the cases are derived from the model table (accepted-request-cases.ts,
 * rejected-request-cases.ts), so a new model entry brings its own accepted and rejected cases.
 * Each rejection names the code and the HTTP status it must map to.
 */

for (const m of flatModels()) {
  void describe(`validateRequest: ${m.name}`, () => {
    for (const c of acceptedCases(m)) {
      it(`accepts ${c.name}`, () => {
        const res = validateRequest(m.mode, c.body);
        assert.ok(
          res.ok,
          `expected acceptance, got ${res.ok ? '' : `${res.code}: ${res.message}`}`,
        );
        assert.equal(res.model.name, m.name);
        c.check?.(res.body, m);
      });
    }
    for (const c of rejectedCases(m)) {
      it(`rejects ${c.name} with ${c.code} (${c.status})`, () => {
        const res = validateRequest(m.mode, c.body);
        assert.ok(!res.ok, `expected ${c.code}, but the body was accepted`);
        assert.equal(res.code, c.code, res.message);
        assert.equal(API_ERRORS[res.code], c.status);
        for (const text of c.mentions) {
          assert.ok(
            res.message.includes(text),
            `message ${JSON.stringify(res.message)} mentions ${text}`,
          );
        }
      });
    }
  });
}

void describe('validateRequest: envelope and messages', () => {
  it('rejects a body that is not an object', () => {
    for (const raw of [null, 5, 'x', [], true]) {
      const res = validateRequest('first-frame', raw);
      assert.ok(!res.ok, 'the body is rejected');
      assert.equal(res.code, 'InvalidParameter');
      assert.match(res.message, /JSON object/);
    }
  });

  it('names the endpoint a model belongs to when sent to another one', () => {
    for (const m of MODELS) {
      for (const mode of MODEL_MODES) {
        if (ROUTE_ACCEPTS[mode].some((x) => m.modes.includes(x))) continue;
        const res = validateRequest(mode, validBody(m));
        assert.ok(!res.ok, `${m.name} on ${mode}`);
        assert.equal(res.code, 'InvalidParameter');
        assert.ok(res.message.includes(m.name), res.message);
      }
    }
  });

  it('says what is allowed, as in the seed of this check', () => {
    const res = validateRequest('first-frame', {
      model: 'wan2.5-i2v-preview',
      input: { img_url: IMG },
      parameters: { duration: 7 },
    });
    assert.deepEqual(res, {
      ok: false,
      code: 'InvalidParameter',
      message:
        "Field 'parameters.duration' for model wan2.5-i2v-preview must be one of 5, 10 seconds, got 7.",
    });
  });

  it('does not echo a huge value back in full', () => {
    const res = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input: { img_url: `ftp://${'a'.repeat(1_000_000)}` },
    });
    assert.ok(!res.ok, 'the body is rejected');
    assert.equal(res.code, 'InvalidURL');
    assert.ok(res.message.length < 400, `message is ${res.message.length} characters`);
  });

  it('keeps the client body, normalising only the resolution case', () => {
    const input = { prompt: 'p', img_url: IMG, extend_prompt: true };
    const res = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input,
      parameters: { resolution: '720p', with_audio: false },
    });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.deepEqual(res.body, {
      model: 'wan2.6-i2v',
      input,
      parameters: { resolution: '720P', with_audio: false },
    });
  });

  it('makes a bare base64 image in img_url (inline bytes from the AI SDK) a data: URI', () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(24, 7)]);
    const bare = png.toString('base64');
    const res = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input: { prompt: 'p', img_url: bare },
    });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.equal(res.body.input.img_url, `data:image/png;base64,${bare}`);
    // base64 that is not an image DashScope takes stays text, and is refused as a URL
    const text = Buffer.from('just some text, not an image at all').toString('base64');
    const refused = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input: { prompt: 'p', img_url: text },
    });
    assert.ok(!refused.ok, 'the body is rejected');
    assert.equal(refused.code, 'InvalidURL');
  });
});
