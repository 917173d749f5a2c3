import { Agent, request as httpRequest } from 'node:http';
import { dropDatabase, freshDatabaseUrl } from './support/database';
import { startService } from './support/service';

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
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const body = JSON.stringify({ email: 'someone@example.com' });
    let socketClosed: Promise<void> | undefined;
    let closing: Promise<void> | undefined;
    let started = 0;
    // As in shutdown.e2e-spec's "finishes a request in flight": the body is half sent when closing
    // begins, so the connection is not idle then; the agent keeps it open after the answer.
    const answered = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${svc.url}/v1/email-otp/start`, { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('socket', (socket) => (socketClosed = new Promise((done) => socket.once('close', () => done()))));
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        started = Date.now();
        closing = svc.close();
        setTimeout(() => req.end(body.slice(5)), 200);
      }, 100);
    });
    // The request in flight is finished (a missing X-Client-Id: 401), then the connection ends.
    expect(await answered).toBe(401);
    await socketClosed;
    await closing;
    expect(Date.now() - started).toBeLessThan(10_000);
    agent.destroy();
  }, 30_000);
});
