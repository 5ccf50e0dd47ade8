import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { peekModelName } from './peek-model-name.js';

const peek = (text: string): string | undefined => peekModelName(Buffer.from(text));

describe('peekModelName', () => {
  it('finds the top-level model wherever it is among the keys', () => {
    assert.equal(peek('{"model":"wan2.6-i2v","input":{}}'), 'wan2.6-i2v');
    assert.equal(
      peek(
        ' {\n "input": {"img_url": "data:image/png;base64,AAAA", "model": "inner"},\n "model" : "wan2.6-t2v"}',
      ),
      'wan2.6-t2v',
    );
  });

  it('is not fooled by "model" inside strings, nested objects or arrays', () => {
    assert.equal(
      peek('{"input":{"prompt":"\\"model\\":\\"x\\"","model":"no"},"a":["model"]}'),
      undefined,
    );
    assert.equal(peek('{"p":"a \\\\","model":"wan2.6-r2v"}'), 'wan2.6-r2v');
    assert.equal(peek('{"mod\\u0065l":"wan2.6-i2v"}'), 'wan2.6-i2v');
  });

  it('gives up (the caller parses) on non-objects, non-string models and broken JSON', () => {
    assert.equal(peek('["model","x"]'), undefined);
    assert.equal(peek('{"model":7}'), undefined);
    assert.equal(peek('{"model":"unterminated'), undefined);
    assert.equal(peek('{"input":{"prompt":"x"'), undefined);
  });
});
