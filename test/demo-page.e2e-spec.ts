import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Browser, Page } from 'playwright-core';
import { ApplicationsService } from '../src/applications/applications.service';
import { launchBrowser, newDevice } from './support/browser';
import { expectError } from './support/errors';
import { useService } from './support/fixture';
import { codeFrom } from './support/smtp';

/** A port nobody listens on right now, so PUBLIC_URL can name it before the service starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The part of the page the user sees now (one view at a time). */
const shown = (page: Page) => page.locator('.view:not([hidden])');
const alertSays = (page: Page, text: RegExp) => page.getByRole('alert').filter({ hasText: text }).waitFor();

/** Where the browser loads the page; PUBLIC_URL, so the demo app's rpId is localhost and its origin this one. */
let origin = '';

async function open(page: Page) {
  await page.goto(`${origin}/demo`);
  await page.locator('body[data-ready="true"]').waitFor();
}

async function signedIn(page: Page, user: string, method: string) {
  await page.getByRole('heading', { name: "You're signed in" }).waitFor();
  expect(await page.locator('#s-user').textContent()).toBe(user);
  expect(await page.locator('#s-method').textContent()).toBe(method);
}

describe('the /demo page, driven through its buttons in Chromium', () => {
  const t = useService('demo_page', {
    smtp: true,
    env: { DEMO_APP: 'on' },
    prepare: async () => {
      const port = await freePort();
      origin = `http://localhost:${port}`;
      return { port, env: { PUBLIC_URL: origin } };
    },
  });
  let browser: Browser;
  let clientId: string;
  let secretKey: string;
  let beforeDemoApp: { status: number; body: Record<string, unknown> };

  beforeAll(async () => {
    beforeDemoApp = await t.svc.http().get('/demo/config.json');
    const apps = t.svc.app.get(ApplicationsService);
    ({
      app: { clientId },
      secretKey,
    } = await apps.create(apps.demoDefaults(), { isDemo: true }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('serves the page with a strict CSP, and its config for the demo application', async () => {
    const page = await t.svc.http().get('/demo');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await t.svc.http().get('/demo/')).status).toBe(200);
    for (const [path, type] of [
      ['/demo/demo.js', /^text\/javascript/],
      ['/demo/demo.css', /^text\/css/],
      ['/sdk/mellon-recovery.js', /^text\/javascript/], // the browser client demo.js imports
    ] as const) {
      const res = await t.svc.http().get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
    }
    const missing = await t.svc.http().get('/demo/nope.js');
    expectError(missing, 404, 'not_found');

    const root = await t.svc.http().get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/demo');

    expectError(beforeDemoApp, 404, 'application_not_found', { message: expect.any(String) });
    const config = await t.svc.http().get('/demo/config.json');
    expect(config.status).toBe(200);
    expect(config.body).toEqual({ clientId, rpId: 'localhost', rpName: 'Mellon demo', publicUrl: origin });

    // Under that CSP the page loads its script and styles and logs no error.
    const device = await newDevice(browser);
    try {
      const problems: string[] = [];
      device.page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      device.page.on('pageerror', (e) => problems.push(e.message));
      await open(device.page);
      await device.page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
      expect(await device.page.locator('#client-id').textContent()).toBe(clientId);
      expect(await device.page.evaluate(() => getComputedStyle(document.querySelector('.card')!).borderRadius)).toBe('12px');
      expect(problems).toEqual([]);
    } finally {
      await device.close();
    }
  });

  it('refuses the sign-up helper for any application but the sandbox demo, and an existing user name', async () => {
    const apps = t.svc.app.get(ApplicationsService);
    const { app: other } = await apps.create({ ...apps.demoDefaults(), name: 'Not the demo' });
    const refused = await t.svc.http().post('/demo/api/signup').set('x-client-id', other.clientId).send({ externalUserId: 'eve', email: 'eve@example.com' });
    expectError(refused, 404, 'not_found');

    const first = await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'taken', email: 'taken@example.com' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ user: { externalUserId: 'taken' }, tokenType: 'enrollment', token: expect.stringMatching(/^SANDBOX_SESSION_TOKEN/) });
    const again = await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'taken', email: 'mallory@example.com' });
    expectError(again, 409, 'conflict');

    const bad = await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'no spaces', email: 'x' });
    expectError(bad, 400, 'invalid_request');
  });

  it('signs up on device A, loses it, recovers on device B, and A learns its passkey is gone', async () => {
    const a = await newDevice(browser);
    const b = await newDevice(browser);
    try {
      // Device A: sign up, which creates the first passkey, then sign in with it.
      await open(a.page);
      const signup = a.page.locator('#signup-form');
      await signup.getByLabel('Email').fill('ada@example.com');
      await signup.getByLabel('User name').fill('ada');
      await signup.getByRole('button', { name: 'Create account with a passkey' }).click();
      await signedIn(a.page, 'ada', 'new passkey');
      expect(await a.credentials()).toHaveLength(1);

      await a.page.getByRole('button', { name: 'Sign out' }).click();
      await a.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await signedIn(a.page, 'ada', 'passkey');

      // Device B has no passkey for this site.
      await open(b.page);
      await b.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await alertSays(b.page, /No passkey was used/);

      // "Lost your passkey?": email → code → choose what to revoke → new passkey on B.
      await b.page.getByRole('button', { name: 'Lost your passkey?' }).click();
      await shown(b.page).getByLabel('Email').fill('ada@example.com');
      // Sign-up already announced the first passkey by mail (every new passkey is announced).
      const before = t.smtp.to('ada@example.com').length;
      await b.page.getByRole('button', { name: 'Email me a code' }).click();
      const mail = await t.smtp.waitFor('ada@example.com', before + 1);
      await shown(b.page).getByLabel('Code').fill(codeFrom(mail));
      await b.page.getByRole('button', { name: 'Continue' }).click();
      await b.page.getByRole('heading', { name: 'Set up a new passkey' }).waitFor();
      const old = shown(b.page).getByRole('checkbox', { name: /First passkey/ });
      await expect(old.isChecked()).resolves.toBe(true);
      await shown(b.page).getByLabel('Name for the new passkey').fill('Phone');
      await b.page.getByRole('button', { name: 'Create a passkey on this device' }).click();
      await signedIn(b.page, 'ada', 'recovery + new passkey');
      await b.page.getByRole('status').filter({ hasText: 'Your new passkey is ready. 1 old passkey was removed.' }).waitFor();
      expect(await b.credentials()).toHaveLength(1);
      // The security notifications: a passkey was added through recovery, and one was revoked.
      await t.smtp.waitFor('ada@example.com', before + 3);

      // The new passkey is already on B, so "Add a passkey" is refused by excludeCredentials.
      await b.page.getByRole('button', { name: 'Add a passkey on this device' }).click();
      await alertSays(b.page, /This device already has a passkey for this account/);

      // Device A: its passkey was revoked; the page says so and tells the browser to forget it.
      await open(a.page);
      await a.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await alertSays(a.page, /This passkey was removed from your account\. Use “Lost your passkey\?”/);
      // PublicKeyCredential.signalUnknownCredential made the authenticator drop it.
      expect(await a.credentials()).toEqual([]);

      // B signs in with its new passkey.
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      await b.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await signedIn(b.page, 'ada', 'passkey');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('opens a support-reset link on device C, which sets up a passkey once', async () => {
    await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'grace', email: 'grace@example.com' });
    const reset = await t.svc
      .http()
      .post('/v1/users/grace/recovery')
      .set('authorization', `Bearer ${secretKey}`)
      .send({ actor: 'support:alice', reason: 'lost every device', revokeCredentials: 'all', delivery: 'link' });
    expect(reset.status).toBe(201);
    expect(reset.body.link).toMatch(new RegExp(`^${origin}/demo/#token=`));

    const c = await newDevice(browser);
    try {
      await c.page.goto(reset.body.link);
      await c.page.getByRole('heading', { name: 'Set up a new passkey' }).waitFor();
      await c.page.getByRole('status').filter({ hasText: 'Recovery link accepted.' }).waitFor();
      expect(c.page.url()).toBe(`${origin}/demo/`); // the token left the address bar and history
      await c.page.getByRole('button', { name: 'Create a passkey on this device' }).click();
      await signedIn(c.page, 'grace', 'recovery + new passkey');
      expect(await c.credentials()).toHaveLength(1);

      await c.page.getByRole('button', { name: 'Sign out' }).click();
      await c.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await signedIn(c.page, 'grace', 'passkey');

      await c.page.goto('about:blank');
      await c.page.goto(reset.body.link);
      await alertSays(c.page, /This recovery link was already used/);
    } finally {
      await c.close();
    }
  });

  it('signs in by emailed code when the browser has no WebAuthn', async () => {
    await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'nopasskey', email: 'nopasskey@example.com' });
    const device = await newDevice(browser);
    try {
      const { page } = device;
      await page.addInitScript(() => {
        delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
      });
      await open(page);
      await expect(page.getByRole('heading', { name: 'Sign in with an email code' }).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).resolves.toBe(false);

      await shown(page).getByLabel('Email').fill('NoPasskey@Example.com');
      await page.getByRole('button', { name: 'Email me a code' }).click();
      const mail = await t.smtp.waitFor('nopasskey@example.com');
      await shown(page).getByLabel('Code').fill(codeFrom(mail));
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('heading', { name: "You're signed in" }).waitFor();
      await expect(page.locator('#s-user').textContent()).resolves.toBe('nopasskey');
      await expect(page.locator('#s-method').textContent()).resolves.toBe('email code');
    } finally {
      await device.close();
    }
  });

  it('explains a wrong code, and a new code replaces the old one', async () => {
    await t.svc.http().post('/demo/api/signup').set('x-client-id', clientId).send({ externalUserId: 'typo', email: 'typo@example.com' });
    const device = await newDevice(browser);
    try {
      const { page } = device;
      await open(page);
      await page.getByRole('button', { name: 'Email me a sign-in code instead' }).click();
      await shown(page).getByLabel('Email').fill('typo@example.com');
      await page.getByRole('button', { name: 'Email me a code' }).click();
      const code = codeFrom(await t.smtp.waitFor('typo@example.com'));
      const wrong = code === '000000' ? '111111' : '000000';
      await shown(page).getByLabel('Code').fill(wrong);
      await page.getByRole('button', { name: 'Continue' }).click();
      await alertSays(page, /That code is not right\. 4 attempts left\./);

      // After "Send a new code" the page checks codes against the new challenge: the first code is wrong there.
      await page.getByRole('button', { name: 'Send a new code' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /A new code is on its way/ })
        .waitFor();
      await t.smtp.waitFor('typo@example.com', 2);
      await shown(page).getByLabel('Code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await alertSays(page, /That code is not right\. 4 attempts left\./);

      await shown(page)
        .getByLabel('Code')
        .fill(codeFrom(t.smtp.to('typo@example.com')[1]));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: "You're signed in" }).waitFor();
    } finally {
      await device.close();
    }
  });

  it('shows a support reset with a cooling-off period: announced at once, its link refused until the delay is over', async () => {
    const device = await newDevice(browser);
    try {
      await open(device.page);
      const signup = device.page.locator('#signup-form');
      await signup.getByLabel('Email').fill('cool@example.com');
      await signup.getByLabel('User name').fill('cool');
      await signup.getByRole('button', { name: 'Create account with a passkey' }).click();
      await signedIn(device.page, 'cool', 'new passkey');
      const before = t.smtp.to('cool@example.com').length;

      await device.page.getByRole('button', { name: /Ask support for a reset/ }).click();
      await device.page.locator('#sr-box:not([hidden])').waitFor();
      const notice = await t.smtp.waitFor('cool@example.com', before + 1);
      expect(notice.text).toMatch(/\/report#token=/); // the "This wasn't me" link that cancels it
      const link = await device.page.locator('#sr-link').getAttribute('href');
      expect(link).toMatch(new RegExp(`^${origin}/demo/#token=`));

      await device.page.locator('#sr-link').click();
      await alertSays(device.page, /safety delay: it works from/);
      // Nothing was spent: once the delay is over the same link works (checked through the API).
      const token = new URL(link!).hash.replace(/^#token=/, '');
      expectError(await t.svc.http().post('/v1/recovery/redeem').set('x-client-id', clientId).send({ token }), 409, 'recovery_pending', { availableAt: expect.any(String) });
    } finally {
      await device.close();
    }
  });

  it('sets up an authenticator app from a QR code and recovery codes, and a recovery then asks for the second factor', async () => {
    const device = await newDevice(browser);
    const page = device.page;
    try {
      await open(page);
      const signup = page.locator('#signup-form');
      await signup.getByLabel('Email').fill('factor@example.com');
      await signup.getByLabel('User name').fill('factor');
      await signup.getByRole('button', { name: 'Create account with a passkey' }).click();
      await signedIn(page, 'factor', 'new passkey');

      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const qr = page.getByRole('img', { name: /QR code of the otpauth URL/ });
      await qr.waitFor();
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/gif;base64,/);
      expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 100)).toBe(true);
      const secret = await page.locator('#totp-secret').inputValue();
      expect(await page.locator('#totp-url').inputValue()).toContain(`secret=${secret}`);
      // The code comes from an independent implementation (Debian's oathtool), not from otplib.
      const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
      await page.getByLabel('Code from the app').fill(code);
      await page.getByRole('button', { name: 'Confirm the authenticator app' }).click();
      await page.getByRole('status').filter({ hasText: 'Authenticator app added' }).waitFor();

      await page.getByRole('button', { name: 'Create recovery codes' }).click();
      await page.locator('#codes-box:not([hidden])').waitFor();
      const codes = await page.locator('#codes-list li').allTextContents();
      expect(codes).toHaveLength(10);

      // "Lost your passkey?": the emailed code is not enough for this account.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Lost your passkey?' }).click();
      await shown(page).getByLabel('Email').fill('factor@example.com');
      const before = t.smtp.to('factor@example.com').length;
      await page.getByRole('button', { name: 'Email me a code' }).click();
      const mail = await t.smtp.waitFor('factor@example.com', before + 1);
      await shown(page).getByLabel('Code').fill(codeFrom(mail));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'One more step' }).waitFor();
      await page.getByLabel('Authenticator app or recovery code').fill(codes[0]);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Set up a new passkey' }).waitFor();
    } finally {
      await device.close();
    }
  });
});
