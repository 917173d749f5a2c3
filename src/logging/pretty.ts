import type { DestinationStream } from 'pino';

/**
 * A human-readable destination for development, or null when pino-pretty is not installed
 * (it is a devDependency: a production install has only JSON logs). Runs in-process, not as a
 * worker-thread transport, so lines written just before an exit are not lost.
 */
export function prettyDestination(destination: NodeJS.WritableStream | number = 1): DestinationStream | null {
  let build: (opts: Record<string, unknown>) => DestinationStream;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    build = require('pino-pretty') as typeof build;
  } catch {
    return null;
  }
  return build({
    colorize: process.stdout.isTTY ?? false,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,service,context,requestId,req,res,responseTime',
    messageFormat: '{if context}[{context}] {end}{if requestId}<{requestId}> {end}{msg}{if req.method} {req.method} {req.path} {res.status} {responseTime}ms{end}',
    singleLine: true,
    sync: true,
    destination,
  });
}
