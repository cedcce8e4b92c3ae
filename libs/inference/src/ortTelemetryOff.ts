/**
 * Turns off onnxruntime's own telemetry before the first session creates its environment (onnxruntime-node ≥ 1.2x
 * on Linux starts Microsoft's 1DS telemetry SDK in `InitOrtOnce`). Two reasons:
 *
 * - It crashes long command lines. The SDK reads `/proc/self/cmdline` and matches it against the regex
 *   `(.*)[ ]*.*[\n]*` with libstdc++'s std::regex, whose executor recurses once per character (about 290 bytes of
 *   native stack each). Past ~28 KB of command line the 8 MiB main-thread stack overflows and the process dies with
 *   SIGSEGV before any JS error handler runs: `lungflow analyze` with ~340 file arguments did exactly that.
 * - A triage system on a hospital network must not try to upload anything, to Microsoft or anyone.
 *
 * The variable is read by onnxruntime's native code through getenv, which sees assignments to process.env. An
 * explicit value set by the operator is left alone.
 */
export function ortTelemetryOff(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
