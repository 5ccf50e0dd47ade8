// Writes docs/models.md from the model table; with --check, only reports whether it is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MODELS_DOC_PATH, renderModelsDoc } from '../src/models/models-doc.js';

const path = fileURLToPath(new URL(`../${MODELS_DOC_PATH}`, import.meta.url));
const rendered = renderModelsDoc();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // a missing file is simply out of date
  }
  if (current !== rendered) {
    process.stderr.write(
      `${MODELS_DOC_PATH} is out of date: run npx tsx scripts/gen-models-doc.ts\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${MODELS_DOC_PATH} is up to date\n`);
} else {
  writeFileSync(path, rendered);
  process.stdout.write(`wrote ${MODELS_DOC_PATH}\n`);
}
