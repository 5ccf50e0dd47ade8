import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PROVIDERS } from '../../src/providers/registry.js';
import { dashscopeHarness } from './dashscope-harness.js';
import { providerConformance } from './provider-conformance.js';
import { sandboxHarness } from './sandbox-harness.js';

const harnesses = [sandboxHarness, dashscopeHarness];

it('every registered provider has a conformance harness', () => {
  assert.deepEqual(harnesses.map((h) => h.definition.id).sort(), PROVIDERS.map((p) => p.id).sort());
});

for (const harness of harnesses) providerConformance(harness);
