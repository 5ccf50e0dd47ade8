import type { ModelSpec } from './model-table.js';
import { MEDIA_ROWS } from './rows/media-rows.js';
import { SPECIAL_ROWS } from './rows/special-rows.js';
import { WAN26_ROWS } from './rows/wan26-rows.js';

/** Every model vidgate serves: one row each (rows/), read through its family (families/). */
export const MODELS: readonly ModelSpec[] = [...WAN26_ROWS, ...MEDIA_ROWS, ...SPECIAL_ROWS];
