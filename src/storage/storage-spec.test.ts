import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/load.js';
import { LocalDiskStorage } from './local-disk-storage.js';
import { buildStorage } from './build-storage.js';
import { S3Storage } from './s3-storage.js';
import { parseStorageSpec } from './storage-spec.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('VIDGATE_STORAGE', () => {
  it('defaults to the data directory', () => {
    assert.deepEqual(loadConfig({}).storage, { kind: 'file' });
    assert.deepEqual(loadConfig({ VIDGATE_STORAGE: 'file:' }).storage, { kind: 'file' });
    assert.deepEqual(loadConfig({ VIDGATE_STORAGE: ' ' }).storage, { kind: 'file' });
  });

  it('parses s3://bucket/prefix and path_style', () => {
    assert.deepEqual(loadConfig({ VIDGATE_STORAGE: 's3://media-bucket/vidgate/prod' }).storage, {
      kind: 's3',
      bucket: 'media-bucket',
      prefix: 'vidgate/prod/',
      forcePathStyle: false,
    });
    assert.deepEqual(parseStorageSpec('s3://b.example/?path_style=1'), {
      kind: 's3',
      bucket: 'b.example',
      prefix: '',
      forcePathStyle: true,
    });
    assert.deepEqual(parseStorageSpec('s3://bkt'), {
      kind: 's3',
      bucket: 'bkt',
      prefix: '',
      forcePathStyle: false,
    });
  });

  it('puts every bad value in the config error list, with the others', () => {
    for (const bad of [
      'file:/somewhere',
      'https://bucket/prefix',
      's3://',
      's3://Upper_Case/x',
      's3://key:secret@bucket/x',
      's3://bucket:9000/x',
      's3://bucket/x?path_style=yes',
      's3://bucket/x?region=eu',
      's3://bucket/../x',
    ]) {
      const problems = problemsOf({ VIDGATE_STORAGE: bad, PORT: 'x' });
      assert.ok(
        problems.some((p) => p.startsWith('VIDGATE_STORAGE: ')),
        `${bad}: ${problems.join('; ')}`,
      );
      assert.ok(
        problems.some((p) => p.startsWith('PORT: ')),
        bad,
      );
    }
  });

  it('never echoes credentials written into the value', () => {
    const problems = problemsOf({ VIDGATE_STORAGE: 's3://AKIAEXAMPLE:hunter2secret@bucket/x' });
    assert.ok(!problems.join(' ').includes('hunter2secret'), problems.join('; '));
  });

  it('builds the store the spec names', () => {
    assert.ok(buildStorage({ kind: 'file' }, '/tmp/x') instanceof LocalDiskStorage);
    const s3 = buildStorage(
      { kind: 's3', bucket: 'bkt', prefix: 'p/', forcePathStyle: true },
      '/tmp/x',
    );
    assert.ok(s3 instanceof S3Storage);
    assert.equal(s3.describe(), 's3://bkt/p/');
    s3.client.destroy();
  });
});
