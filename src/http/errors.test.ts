import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_ERRORS, ApiError, errorBody, type ApiErrorCode } from './errors.js';

// docs/errors.md against API_ERRORS: src/contract/error-docs.test.ts

void describe('ApiError', () => {
  it('takes its HTTP status from the table', () => {
    for (const code of Object.keys(API_ERRORS) as ApiErrorCode[]) {
      const err = new ApiError(code, 'm');
      assert.equal(err.status, API_ERRORS[code]);
      assert.equal(err.code, code);
    }
  });

  it('uses only 4xx and 5xx statuses', () => {
    for (const status of Object.values(API_ERRORS)) assert.ok(status >= 400 && status < 600);
  });

  it('renders exactly DashScope’s three fields', () => {
    assert.deepEqual(errorBody('rid', 'InvalidParameter', 'bad'), {
      request_id: 'rid',
      code: 'InvalidParameter',
      message: 'bad',
    });
  });
});
