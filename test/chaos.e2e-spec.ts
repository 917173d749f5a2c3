import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ChaosReport, formatReport, runChaos, SHORT } from '../bench/chaos-run';

/**
 * Issue 7's durability proof in its CI form (`npm run chaos` runs it for a minute): two API
 * instances and a worker as real processes, under steady OTP starts, while a worker and an API
 * instance are SIGKILLed, Redis restarts empty, SMTP answers 421 and PostgreSQL is cut.
 */
describe('durability under faults (short chaos run)', () => {
  let report: ChaosReport;

  beforeAll(async () => {
    const root = join(__dirname, '..');
    execFileSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'ignore' });
    report = await runChaos({ ...SHORT, log: (msg) => process.stdout.write(`[chaos] ${msg}\n`) });
    process.stdout.write(`${formatReport(report)}\n`);
  }, 180_000);

  it('delivers the mail of every start that answered 202', () => {
    expect(report.accepted).toBeGreaterThan(100);
    expect(report.lost).toBe(0);
    expect(report.delivered).toBe(report.accepted);
    expect(report.strays).toBe(0);
    // Nothing failed, skipped or stuck; starts whose answer a kill cut off may have sent mail too.
    expect(Object.keys(report.outbox)).toEqual(['sent']);
    expect(report.outbox.sent).toBeGreaterThanOrEqual(report.accepted);
  });

  it('delivers a mail twice only inside the documented crash window', () => {
    expect(report.duplicates).toBeLessThanOrEqual(report.duplicateBound);
  });

  it('answers only 2xx, 4xx or 503 (connection errors only from the killed instance), and no 503 once everything is back', () => {
    expect(report.failures).toEqual([]);
    expect(report.unavailableAfter).toBe(0);
    const after = report.phases.find((p) => p.phase.startsWith('after'))!;
    expect(after.accepted).toBe(after.starts);
  });

  it('exits cleanly on SIGTERM afterwards', () => {
    expect(Object.values(report.exitCodes)).toEqual([0, 0, 0]);
  });
});
