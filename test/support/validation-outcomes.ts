/** What validating each request gives: the normalized request, or the error's name and message. */
import { validateBatchRequest } from '../../src/domain/batch';
import { validateRestoreRequest } from '../../src/domain/validate';

const NOW = new Date('2026-11-28T12:00:00Z');

export function validationOutcomes(requests: unknown[]): unknown[] {
  return requests.map((request) => {
    try {
      const validate = (request as { targets?: unknown }).targets ? validateBatchRequest : validateRestoreRequest;
      return {
        ok: JSON.parse(
          JSON.stringify(validate(request, { now: NOW, newOperationId: () => 'op-1795867200-0a1b2c3d' }))
        ) as unknown,
      };
    } catch (err) {
      return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  });
}
