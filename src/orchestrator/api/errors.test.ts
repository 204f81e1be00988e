import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';

describe('ApiError as a Status', () => {
  it('gives every NotFound its details, empty or not (clients read them without a nil check), and others only when set', () => {
    // kubectl debug read `Details.Name` of a route's 404 and panicked when the Status had none.
    expect(new ApiError(404, 'NotFound', 'the server could not find the requested resource (pods/nope)').toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource (pods/nope)',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
    expect(new ApiError(404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' }).toStatus().details).toEqual({ name: 'x', kind: 'pods' });
    expect(new ApiError(400, 'BadRequest', 'no').toStatus()).not.toHaveProperty('details');
  });
});
