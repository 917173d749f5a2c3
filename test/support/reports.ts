import type { Response } from 'supertest';
import { ReceivedMail } from './smtp';
import { Service, TestApplication, browser } from './service';
import { SoftPasskey } from './soft-authenticator';

/** The "This wasn't me" link of a security mail (text part), checked to be in the HTML part too. */
export function reportLinkFrom(mail: ReceivedMail): { link: string; token: string } {
  const m = /(https?:\/\/\S+\/report#token=([A-Za-z0-9_-]+))/.exec(mail.text);
  if (!m) throw new Error(`no report link in mail "${mail.subject}"`);
  if (!mail.html.replace(/&#x3D;/g, '=').includes(`href="${m[1]}"`)) throw new Error(`report link of "${mail.subject}" missing from its HTML part`);
  return { link: m[1], token: m[2] };
}

export const preview = (svc: Service, token: unknown): Promise<Response> => svc.http().post('/v1/security/report/preview').send({ token });
export const report = (svc: Service, token: unknown, headers: Record<string, string> = {}): Promise<Response> => svc.http().post('/v1/security/report').set(headers).send({ token });

/** Registers a software passkey through register/start → finish with any token that may register. */
export async function registerSoftPasskey(svc: Service, app: TestApplication, token: string, label = 'Soft key', extra: object = {}): Promise<SoftPasskey> {
  const b = browser(svc, app);
  const start = await b.post('/v1/passkeys/register/start', {}, token);
  if (start.status !== 200) throw new Error(`register/start: ${start.status} ${JSON.stringify(start.body)}`);
  const key = new SoftPasskey('https://acme.test', 'acme.test');
  const finish = await b.post('/v1/passkeys/register/finish', { ceremonyId: start.body.ceremonyId, response: key.create(start.body.options), label, ...extra }, token);
  if (finish.status !== 201) throw new Error(`register/finish: ${finish.status} ${JSON.stringify(finish.body)}`);
  return key;
}

/** Signs in with a software passkey: auth/start → finish. */
export async function signInWith(svc: Service, app: TestApplication, key: SoftPasskey): Promise<Response> {
  const b = browser(svc, app);
  const start = await b.post('/v1/passkeys/auth/start', {});
  if (start.status !== 200) throw new Error(`auth/start: ${start.status} ${JSON.stringify(start.body)}`);
  return b.post('/v1/passkeys/auth/finish', { ceremonyId: start.body.ceremonyId, response: key.get(start.body.options) });
}
