import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMON_FLAGS } from '../cli/channel-flags.js';
import { findModel } from '../models/model-table.js';
import { CHANNEL_ADD_DEFAULT, defaultUpstream, PROVIDERS } from './registry.js';

void describe('the provider registry', () => {
  it('lists each provider once', () => {
    const ids = PROVIDERS.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, ids.join(', '));
    assert.ok(PROVIDERS.includes(CHANNEL_ADD_DEFAULT));
  });

  it('has exactly one embedded upstream, whose example models it serves', () => {
    const withDefault = PROVIDERS.filter((p) => p.defaultChannel);
    assert.equal(withDefault.length, 1, 'one default channel for an empty store');
    const d = defaultUpstream().defaultChannel;
    for (const [mode, name] of Object.entries(d.exampleModels)) {
      assert.equal(findModel(name)?.mode, mode, `${name} is a ${mode} model of the table`);
      assert.ok(d.models.includes('*') || d.models.includes(name), `the channel serves ${name}`);
    }
  });

  it("gives every provider's channels-add flags one meaning", () => {
    const meaning = new Map<string, string>(
      Object.keys(COMMON_FLAGS).map((f) => [f, 'common flag']),
    );
    for (const p of PROVIDERS) {
      const flags = p.channelFlags;
      const own = [
        ...(flags.presetFlag ? [[flags.presetFlag, 'preset'] as const] : []),
        ...flags.settings.map((s) => [s.flag, s.multiple ? 'repeatable' : 'single'] as const),
      ];
      for (const [flag, kind] of own) {
        const before = meaning.get(flag);
        assert.ok(before === undefined || before === kind, `--${flag}: ${before} and ${kind}`);
        meaning.set(flag, kind);
      }
      if (flags.presetFlag) assert.ok(Object.keys(p.settingsPresets ?? {}).length > 0, p.id);
    }
  });

  it('configures every provider from an empty environment, asking for no channel', () => {
    for (const p of PROVIDERS) {
      const result = p.configure({});
      assert.ok(result.ok, p.id);
      assert.deepEqual(result.setup.startupChannels, [], p.id);
    }
  });
});
