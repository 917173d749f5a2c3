/**
 * Preloaded into the service only when profiling (BENCH_PROFILE=<dir>): Nest re-raises SIGTERM
 * after its shutdown hooks, which would kill the process before `--cpu-prof` writes its file,
 * so a SIGTERM here ends the process with a normal exit instead.
 */
process.prependListener('SIGTERM', () => process.exit(0));
