import { connect, Socket } from 'node:net';
import { dropDatabase, freshDatabaseUrl } from './support/database';
import { startService } from './support/service';

/** Resolves with everything the socket received once `until` matches it. */
function readUntil(socket: Socket, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (until.test(got)) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * A test's service closes the way `npm start` does on SIGTERM. Browser tests close their service
 * while Chromium is still open (jest runs afterAll hooks in the order they were declared), and a
 * keep-alive connection that was busy when closing began used to stay open for Fastify's 72 s
 * keep-alive timeout, past jest's 60 s hook limit.
 */
describe("a test service's close", () => {
  const databaseUrl = freshDatabaseUrl('service_close');
  afterAll(() => dropDatabase(databaseUrl));

  it('ends a keep-alive connection that goes idle after closing began', async () => {
    const svc = await startService({ databaseUrl, runWorker: false });
    const { port } = new URL(svc.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const body = JSON.stringify({ email: 'someone@example.com' });
    // The request is in flight (its body half sent) when closing begins, so the connection is not idle.
    socket.write(`POST /v1/email-otp/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((r) => setTimeout(r, 100));

    const started = Date.now();
    const closing = svc.close();
    await new Promise((r) => setTimeout(r, 200));
    const answered = readUntil(socket, /\r\n\r\n[\s\S]*\}/);
    socket.write(body.slice(5));
    // The request in flight is finished (a missing X-Client-Id: 401), then the connection ends.
    expect(await answered).toMatch(/^HTTP\/1\.1 401 /);
    await closed;
    await closing;
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
