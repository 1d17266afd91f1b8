import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeRequestTimeoutError } from '../../kube/index.ts';
import { isTestFailed, toActuatorError } from './api-errors.ts';

function apiError(code: number, body: unknown) {
  return new ApiException(code, `HTTP ${code}; Headers: {"authorization":"Bearer secret"}`, body, {});
}

describe('toActuatorError', () => {
  it('classifies API answers by status, keeping the Status message and nothing else', () => {
    const cases: [number, string, boolean][] = [
      [404, 'NotFound', false],
      [409, 'Conflict', true],
      [403, 'Forbidden', false],
      [422, 'Rejected', false],
      [429, 'Unavailable', true],
      [503, 'Unavailable', true],
      [504, 'Timeout', true],
    ];
    for (const [code, kind, retryable] of cases) {
      const e = toActuatorError(apiError(code, { message: 'what the server said' }), 'patch Pod a/b');
      expect([e.kind, e.status, e.retryable, e.message]).toEqual([
        kind,
        code,
        retryable,
        `patch Pod a/b: ${code} what the server said`,
      ]);
      expect(e.message).not.toContain('secret');
    }
  });

  it('classifies timeouts, aborts and transport failures', () => {
    expect(toActuatorError(new KubeRequestTimeoutError('GET', '/api/v1/pods', 100), 'list').kind).toBe(
      'Timeout',
    );
    expect(toActuatorError(new DOMException('aborted', 'AbortError'), 'list').kind).toBe('Aborted');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toActuatorError(refused, 'list')).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toActuatorError(new Error('bug'), 'list')).toMatchObject({
      kind: 'Unexpected',
      message: 'list: bug',
    });
  });
});

describe('isTestFailed', () => {
  it('recognises a failed JSON patch test as kube-apiserver reports it (in the Status causes)', () => {
    const kube = apiError(422, {
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
      details: {
        causes: [
          {
            reason: 'UnexpectedServerResponse',
            message: 'testing value /metadata/resourceVersion failed: test failed',
          },
        ],
      },
    });
    expect(isTestFailed(kube)).toBe(true);
    const invalid = apiError(422, { reason: 'Invalid', message: 'spec.replicas: Invalid value: -1' });
    expect(isTestFailed(invalid)).toBe(false);
  });
});
