import type { experimental_generateVideo as generateVideo } from 'ai';
import { SDK_POLL as POLL } from './ai-sdk-client.js';

/**
 * Requests a client can make vidgate refuse through the AI SDK's own options (docs/errors.md,
 * "Request errors"); each is refused at the door, before anything is sent upstream.
 */

export type GenerateArgs = Parameters<typeof generateVideo>[0];

/** A request the SDK can be made to send, and how vidgate must refuse it. */
export interface Refusal {
  name: string;
  model: string;
  args: Omit<GenerateArgs, 'model' | 'download'>;
  status: number;
  code: string;
  /** what the message must say: the field at fault */
  names: RegExp;
}

export const T2V = { prompt: 'A lighthouse at dusk.', providerOptions: { alibaba: POLL } };

export const REFUSALS: Refusal[] = [
  {
    name: 'an out-of-range duration (t2v, 16 s of 2–15)',
    model: 'wan2.6-t2v',
    args: { ...T2V, duration: 16 },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.duration/,
  },
  {
    name: 'an out-of-range duration (r2v, 11 s of 2–10)',
    model: 'wan2.6-r2v',
    args: {
      prompt: 'character1 waves.',
      inputReferences: ['https://example.com/ref.jpg'],
      duration: 11,
      providerOptions: { alibaba: POLL },
    },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.duration/,
  },
  {
    name: 'a resolution the i2v model has no tier for',
    model: 'wan2.6-i2v',
    args: {
      prompt: { image: 'https://example.com/frame.png', text: 'x' },
      resolution: '640x360',
      providerOptions: { alibaba: POLL },
    },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.resolution/,
  },
  {
    name: 'a size the t2v model does not make',
    model: 'wan2.6-t2v',
    args: { ...T2V, resolution: '1000x1000' },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.size/,
  },
  {
    name: 'a seed out of [0, 2147483647]',
    model: 'wan2.6-t2v',
    args: { ...T2V, seed: 2147483648 },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.seed/,
  },
  {
    name: 'the audio switch on a model without one',
    model: 'wan2.6-i2v',
    args: {
      prompt: { image: 'https://example.com/frame.png', text: 'x' },
      providerOptions: { alibaba: { ...POLL, audio: false } },
    },
    status: 400,
    code: 'InvalidParameter',
    names: /parameters\.audio/,
  },
  {
    name: 'i2v without a first frame',
    model: 'wan2.6-i2v-flash',
    args: { ...T2V },
    status: 400,
    code: 'InvalidParameter',
    names: /input\.img_url/,
  },
  {
    // the SDK passes on only http(s) strings as URLs (anything else it decodes as base64)
    name: 'a malformed first frame URL',
    model: 'wan2.6-i2v-flash',
    args: {
      prompt: { image: 'http://exa mple.com/frame.png', text: 'x' },
      providerOptions: { alibaba: POLL },
    },
    status: 400,
    code: 'InvalidURL',
    names: /input\.img_url/,
  },
  {
    name: 'an audio URL that is not a URL',
    model: 'wan2.6-t2v',
    args: { ...T2V, providerOptions: { alibaba: { ...POLL, audioUrl: 'not a url' } } },
    status: 400,
    code: 'InvalidURL',
    names: /input\.audio_url/,
  },
  {
    name: 'six references (at most 5)',
    model: 'wan2.6-r2v',
    args: {
      prompt: 'character1 waves.',
      inputReferences: Array.from({ length: 6 }, (_, i) => `https://example.com/r${i}.jpg`),
      providerOptions: { alibaba: POLL },
    },
    status: 400,
    code: 'InvalidParameter',
    names: /input\.reference_urls/,
  },
  {
    name: 'a first frame that is not an image',
    model: 'wan2.6-i2v-flash',
    args: {
      prompt: { image: new Uint8Array(Buffer.from('not an image at all, only text')), text: 'x' },
      providerOptions: { alibaba: POLL },
    },
    // bare base64 counts as inline media only when it decodes to an image
    status: 400,
    code: 'InvalidURL',
    names: /input\.img_url/,
  },
  {
    name: 'an unknown model',
    model: 'wan9-t2v-nope',
    args: { ...T2V },
    status: 400,
    code: 'InvalidParameter',
    names: /Model 'wan9-t2v-nope' is not supported; .*wan2\.6-t2v/,
  },
  {
    name: 'an empty model name',
    model: '',
    args: { ...T2V },
    status: 400,
    code: 'BadRequest.EmptyModel',
    names: /model/,
  },
];
