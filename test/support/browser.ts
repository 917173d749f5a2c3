/**
 * Browser harness for WebAuthn tests: Debian's Chromium driven by playwright-core (which never
 * downloads a browser of its own), with CDP virtual authenticators.
 *
 *   const browser = await launchBrowser();
 *   const a = await newDevice(browser);          // one device = one context + one authenticator
 *   await a.page.goto(`http://localhost:${port}/demo`);
 *   expect(await a.credentials()).toHaveLength(1);
 *   await a.close(); await browser.close();
 *
 * Each device has its own BrowserContext (cookies, storage) and its own virtual authenticator
 * (a platform authenticator with resident keys and user verification that answers every prompt
 * by itself), so a passkey made on device A is not offered on device B. WebAuthn needs a secure
 * context: load pages from http://localhost:<port> (127.0.0.1 works too, but rpId must match).
 */
import { existsSync } from 'node:fs';
import { Browser, BrowserContext, CDPSession, chromium, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get update && apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** What CDP's WebAuthn.getCredentials reports for one stored passkey. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  largeBlob?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
}

export interface Device {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  /** The passkeys this device's authenticator holds (credentialId is standard base64). */
  credentials: () => Promise<VirtualCredential[]>;
  close: () => Promise<void>;
}

/** A fresh "device": its own browser context, page and virtual platform authenticator. */
export async function newDevice(browser: Browser, opts: { viewport?: { width: number; height: number } } = {}): Promise<Device> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1200, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    context,
    page,
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[],
    close: () => context.close(),
  };
}

/** The base64url form the service and the WebAuthn JSON use for a CDP (standard base64) credential id. */
export function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
