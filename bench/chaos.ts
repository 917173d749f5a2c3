/**
 * `npm run chaos`: the durability proof of issue 7 for one minute (see bench/chaos-run.ts). Prints
 * a table and exits 1 when a mail was lost, duplicates exceed the documented bound, or the service
 * answered anything but 2xx/4xx/503. CHAOS_SHORT=1 runs the CI form.
 */
import { chaosPassed, formatReport, FULL, runChaos, SHORT } from './chaos-run';

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());

runChaos({ ...(process.env.CHAOS_SHORT ? SHORT : FULL), log, signal: abort.signal }).then(
  (report) => {
    process.stdout.write(`\n${formatReport(report)}\n`);
    const passed = chaosPassed(report);
    process.stdout.write(passed ? 'durability: PASS\n' : 'durability: FAIL\n');
    process.exit(passed ? 0 : 1);
  },
  (err: Error) => {
    process.stderr.write(`chaos run failed: ${err.stack ?? err.message}\n`);
    process.exit(abort.signal.aborted ? 130 : 1);
  },
);
