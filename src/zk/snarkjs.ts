/**
 * snarkjs 0.7.6, typed for what the kit uses. (snarkjs ships no types for most of this.)
 * Its curve spawns worker threads; `releaseSnarkjs` ends them so a process can exit.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const snarkjs: any = require("snarkjs");

export interface SnarkLogger {
  /** snarkjs's powersoftau steps call `log`, the rest `info`. */
  log?(msg: string): void;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLogger: SnarkLogger = { log() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Terminates snarkjs's curve worker threads (they keep a process alive otherwise). */
export async function releaseSnarkjs(): Promise<void> {
  const g = globalThis as any;
  if (g.curve_bn128 != null) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}
