import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsAll,
  badParameter,
  body,
  DATA_AUDIO,
  DATA_IMG,
  effectiveOf,
  HTTP_AUDIO,
  HTTP_IMG,
  item,
  noDataUri,
  refusesAll,
  refusesOnRoutes,
  vary,
} from './family-test-kit.js';

/** Speech-to-video (families §7; §11 #32): a portrait and its audio, both http(s) URLs. */

const S2V = 'wan2.2-s2v';
const s2v = body(S2V, { image_url: HTTP_IMG, audio_url: HTTP_AUDIO });

void describe('wan2.2-s2v: accepted bodies', () => {
  acceptsAll([
    { name: 'a portrait and its audio', body: s2v, mode: 'speech' },
    ...['480P', '720P'].map((r) => ({ name: r, body: vary(s2v, { 'parameters.resolution': r }) })),
    {
      name: 'style and scenario, passed through (§11 #32)',
      body: vary(s2v, { parameters: { resolution: '720p', style: 'speech', scenario: 'sing' } }),
      check: (b) =>
        assert.deepEqual(b.parameters, { resolution: '720P', style: 'speech', scenario: 'sing' }),
    },
    { name: 'on the native face', body: s2v, scope: 'native', mode: 'speech' },
    {
      name: 'unknown fields, passed through',
      body: vary(s2v, { 'input.prompt': 'She sings.', 'parameters.my_flag': true }),
      check: (b) => assert.equal(b.parameters.my_flag, true),
    },
  ]);
});

void describe('wan2.2-s2v: refused bodies', () => {
  refusesAll([
    {
      name: 'no image',
      body: body(S2V, { audio_url: HTTP_AUDIO }),
      mentions: ["'input.image_url' is required", S2V, 'http(s) URL'],
    },
    {
      name: 'no audio',
      body: body(S2V, { image_url: HTTP_IMG }),
      mentions: ["'input.audio_url' is required", S2V, 'WAV or MP3'],
    },
    noDataUri(
      'a data: URI portrait',
      vary(s2v, { 'input.image_url': DATA_IMG }),
      'input.image_url',
    ),
    noDataUri('a data: URI audio', vary(s2v, { 'input.audio_url': DATA_AUDIO }), 'input.audio_url'),
    badParameter(s2v, 'duration', 10, 'not supported', "as long as 'input.audio_url'"),
    badParameter(s2v, 'resolution', '1080P', '480P, 720P', "'1080P'"),
    badParameter(s2v, 'ratio', '16:9', 'not supported', "portrait's aspect ratio"),
    badParameter(s2v, 'size', '832*480', 'not supported', "'parameters.resolution'"),
    badParameter(s2v, 'style', 3, 'must be a string'),
    {
      name: "wan2.6's img_url",
      body: body(S2V, { img_url: HTTP_IMG, audio_url: HTTP_AUDIO }),
      mentions: ["'input.img_url'", 'not supported', "'input.image_url'"],
    },
    {
      name: 'input.media',
      body: vary(s2v, { 'input.media': [item('first_frame', HTTP_IMG)] }),
      mentions: ["'input.media'", 'not supported', "'input.audio_url'"],
    },
  ]);

  refusesOnRoutes(s2v, ['text', 'first-frame', 'animate'], 'POST /task/bailian/speech2video');
});

void describe('wan2.2-s2v effective requests', () => {
  it('defaults to 480P, keeps its sound, estimates 10 s until the audio is read', () => {
    const eff = effectiveOf('speech', s2v);
    assert.deepEqual(
      [eff.tier, eff.withAudio, eff.durationSec, eff.ratio, eff.watermark],
      ['480P', true, 10, null, false],
    );
  });

  it('has a portrait and an audio slot', () => {
    assert.deepEqual(
      effectiveOf('speech', s2v).media.map((m) => [m.field, m.role, m.kind]),
      [
        ['input.image_url', 'portrait', 'image'],
        ['input.audio_url', 'audio', 'audio'],
      ],
    );
  });
});
