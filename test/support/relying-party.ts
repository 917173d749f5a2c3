import type { Browser } from 'playwright-core';
import { Device, launchBrowser, newDevice, toBase64Url } from './browser';
import type { ServiceContext } from './fixture';
import { RpPage } from './passkey-devices';
import { createApplication, TestApplication } from './service';

export interface RelyingPartyContext {
  /** The relying party's own page, at http://localhost:<port> (rpId "localhost"). */
  readonly rp: RpPage;
  /** A production-mode application that allows only the relying party's origin. */
  readonly app: TestApplication;
  readonly chromium: Browser;
  /** A new device (its own browser context and virtual authenticator) with the relying party's page open. */
  device(): Promise<Device>;
  /** The application's secret key as an Authorization header value. */
  sk(): string;
  /** An enrollment token for `user`, from the app backend. */
  enrollmentToken(user: string): Promise<string>;
  /** The ids (base64url) of the passkeys a device holds. */
  passkeyOf(d: Device): Promise<string[]>;
}

/**
 * The set-up the browser tests share, for the enclosing describe block (after `useService`):
 * beforeAll starts the relying party's page, creates its production application and launches
 * Chromium; devices close after each test (or, with `keepDevices`, after the block); afterAll
 * closes Chromium and the page. Read it inside hooks and tests, like `useService`'s context.
 */
export function useRelyingParty(t: ServiceContext, opts: { keepDevices?: boolean } = {}): RelyingPartyContext {
  let rp: RpPage | undefined;
  let app: TestApplication | undefined;
  let chromium: Browser | undefined;
  let devices: Device[] = [];
  const closeDevices = async () => {
    await Promise.all(devices.map((d) => d.close()));
    devices = [];
  };

  beforeAll(async () => {
    rp = await new RpPage().start();
    app = await createApplication(t.svc, { name: 'Acme', mode: 'production', allowedOrigins: [rp.origin], rpId: 'localhost', rpName: 'Acme', recoveryUrl: `${rp.origin}/recover` });
    chromium = await launchBrowser();
  });
  if (!opts.keepDevices) afterEach(closeDevices);
  afterAll(async () => {
    await closeDevices();
    await chromium?.close();
    await rp?.stop();
  });

  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`useRelyingParty: no ${what} (read the context inside a hook or test, after start-up)`);
    return value;
  };
  const ctx: RelyingPartyContext = {
    get rp() {
      return started('relying-party page', rp);
    },
    get app() {
      return started('application', app);
    },
    get chromium() {
      return started('browser', chromium);
    },
    async device() {
      const d = await newDevice(ctx.chromium);
      devices.push(d);
      await ctx.rp.open(d.page, t.svc, ctx.app);
      return d;
    },
    sk: () => `Bearer ${ctx.app.secretKey}`,
    enrollmentToken: async (user) => (await t.svc.http().post(`/v1/users/${user}/enrollment`).set('authorization', ctx.sk()).send()).body.token as string,
    passkeyOf: async (d) => (await d.credentials()).map((x) => toBase64Url(x.credentialId)),
  };
  return ctx;
}
