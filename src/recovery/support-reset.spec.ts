import { Application } from '../applications/application.model';
import { recoveryLink } from './support-reset.service';

describe('recoveryLink', () => {
  const app = (recoveryUrl: string) => ({ recoveryUrl }) as Application;

  it('puts the token in the fragment of the configured recovery URL', () => {
    expect(recoveryLink(app('https://acme.test/recover'), 'tok')).toBe('https://acme.test/recover#token=tok');
    expect(recoveryLink(app('https://acme.test/recover?src=mail'), 'tok')).toBe('https://acme.test/recover?src=mail#token=tok');
  });

  it('replaces a fragment the configured URL already has', () => {
    expect(recoveryLink(app('https://acme.test/app#/recover'), 'tok')).toBe('https://acme.test/app#token=tok');
  });
});
