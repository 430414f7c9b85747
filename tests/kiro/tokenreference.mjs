// SPDX-License-Identifier: MIT
// Reference token counts for tst_kirotokenestimator: reads a JSON array of strings from the file named by the
// first argument and prints a JSON array of their token counts by Anthropic's own tokenizer package
// (@anthropic-ai/tokenizer, pinned in tests/e2e/package.json and installed there by `npm ci`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const e2e = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e');
let tokenizer;
try {
  tokenizer = createRequire(join(e2e, 'package.json'))('@anthropic-ai/tokenizer');
} catch (e) {
  console.error(`@anthropic-ai/tokenizer missing; run: (cd ${e2e} && npm ci)`);
  process.exit(2);
}
const texts = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// countTokens() builds the whole encoder for every text; one encoder for all of them counts the same way
// (NFKC first, special tokens allowed) in a fraction of the time.
const encoder = tokenizer.getTokenizer();
const counts = texts.map((t) => encoder.encode(t.normalize('NFKC'), 'all').length);
encoder.free();
if (texts.length > 0 && counts[0] !== tokenizer.countTokens(texts[0])) {
  console.error('the shared encoder counts differently from countTokens()');
  process.exit(3);
}
process.stdout.write(JSON.stringify(counts));
