import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { launchBrowser, newDevice, toBase64Url } from './support/browser';

// A page that creates a passkey with the bare WebAuthn API and reports its id.
const PAGE = `<!doctype html><meta charset="utf-8"><title>harness</title><script>
async function makePasskey() {
  const cred = await navigator.credentials.create({ publicKey: {
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    rp: { id: 'localhost', name: 'Harness' },
    user: { id: new TextEncoder().encode('user-1'), name: 'ada', displayName: 'Ada' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  }});
  return cred.id;
}
async function usePasskey() {
  const cred = await navigator.credentials.get({ publicKey: {
    challenge: crypto.getRandomValues(new Uint8Array(32)), rpId: 'localhost', userVerification: 'required',
  }});
  return cred.id;
}
</script>`;

describe('browser harness: Chromium with CDP virtual authenticators', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('creates and uses a passkey on one device, which another device does not have', async () => {
    const a = await newDevice(browser);
    const b = await newDevice(browser);
    try {
      await a.page.goto(`${origin}/`);
      const id = await a.page.evaluate(() => (window as unknown as { makePasskey: () => Promise<string> }).makePasskey());
      const stored = await a.credentials();
      expect(stored).toHaveLength(1);
      expect(toBase64Url(stored[0].credentialId)).toBe(id);
      expect(stored[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

      expect(await a.page.evaluate(() => (window as unknown as { usePasskey: () => Promise<string> }).usePasskey())).toBe(id);

      await b.page.goto(`${origin}/`);
      expect(await b.credentials()).toHaveLength(0);
      const failed = await b.page.evaluate(() =>
        (window as unknown as { usePasskey: () => Promise<string> }).usePasskey().then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      );
      expect(failed).toBe('NotAllowedError');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
