import { decodeProtectedHeader, jwtVerify } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { signEs256 } from './token.service';

describe('signEs256', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('signs off the event loop and gives a JWS that jose verifies', async () => {
    const pending = signEs256({ alg: 'ES256', kid: 'k1', typ: 'JWT' }, { sub: 'ada', aud: 'app', iss: 'https://id.example/apps/app' }, privateKey);
    // Nothing is signed before the call returns: the signature is the thread pool's work.
    expect(pending).toBeInstanceOf(Promise);
    const token = await pending;
    const { payload } = await jwtVerify(token, publicKey, { algorithms: ['ES256'], audience: 'app', issuer: 'https://id.example/apps/app' });
    expect(payload.sub).toBe('ada');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    expect(Buffer.from(token.split('.')[2], 'base64url')).toHaveLength(64); // r ‖ s, as JWS wants (not DER)
  });

  it('signs a burst of concurrent tokens, each verifiable with its own claims', async () => {
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => signEs256({ alg: 'ES256', kid: 'k1', typ: 'JWT' }, { sub: `u${i}` }, privateKey)));
    const verified = await Promise.all(tokens.map((t) => jwtVerify(t, publicKey, { algorithms: ['ES256'] })));
    expect(verified.map((v) => v.payload.sub)).toEqual(tokens.map((_, i) => `u${i}`));
  });
});
