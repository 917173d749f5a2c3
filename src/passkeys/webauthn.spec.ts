import { ApiError } from '../common/api-error';
import { handleMatches, responseCredentialId, userHandle } from './webauthn';

describe('webauthn helpers', () => {
  const uid = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('derives a 16-byte user handle from the internal user id', () => {
    expect(Buffer.from(userHandle(uid)).toString('hex')).toBe('0f8fad5bd9cb469fa16570867728950e');
  });

  it('accepts a missing user handle and only the matching one', () => {
    expect(handleMatches(uid, undefined)).toBe(true);
    expect(handleMatches(uid, Buffer.from(userHandle(uid)).toString('base64url'))).toBe(true);
    expect(handleMatches(uid, Buffer.from('someone else').toString('base64url'))).toBe(false);
    expect(handleMatches(uid, 42)).toBe(false);
  });

  it('reads the credential id of a well-formed response and refuses anything else as invalid_request', () => {
    expect(responseCredentialId({ id: 'AbC-_9', type: 'public-key', response: {} })).toBe('AbC-_9');
    for (const bad of [{}, { id: 'a b', type: 'public-key', response: {} }, { id: 'abc', type: 'other', response: {} }, { id: 'abc', type: 'public-key', response: null }]) {
      expect(() => responseCredentialId(bad)).toThrow(ApiError);
    }
  });
});
