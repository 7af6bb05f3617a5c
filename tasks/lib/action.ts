/**
 * Task plumbing. A task that fails on bad input prints one line (`error: …`) and exits
 * non-zero; it never dumps a stack trace. Unexpected errors (bugs) still throw.
 *
 * Run from the command line, the task is Hardhat's top-level task and the wrapper prints
 * and sets the exit code; run through `hre.run` (tests, other tasks), it rethrows the
 * one-line message as a `UserError` so that callers can handle it.
 */
import type { ActionType, TaskArguments } from "hardhat/types";

/** Hardhat's "Cannot connect to the network" error. */
const HH_NETWORK_UNREACHABLE = 108;

export function isTopLevelTask(taskName: string): boolean {
  return process.argv.includes(taskName);
}

/** The one-line message for an error a user can act on, or undefined for a bug. */
export async function userMessage(err: unknown): Promise<string | undefined> {
  const { UserError } = await import("../../src/errors");
  const { IdentityFileError } = await import("../../src/device/identity");
  if (err instanceof UserError || err instanceof IdentityFileError) return err.message;
  const { decodeKitError, describeChainError } = await import("../../src/chain/errors");
  if (decodeKitError(err) !== undefined) return describeChainError(err);
  const descriptor = (err as { errorDescriptor?: { number?: number } }).errorDescriptor;
  if (descriptor?.number === HH_NETWORK_UNREACHABLE) {
    return (err as Error).message.split("\n")[0].replace(/^HH\d+: /, "");
  }
  const code = (err as { code?: unknown }).code;
  if (code === "ENOTFOUND" || code === "ECONNREFUSED" || code === "ETIMEDOUT") {
    return `cannot reach the network's RPC endpoint (${(err as Error).message})`;
  }
  // ethers errors carry a string code (CALL_EXCEPTION, NETWORK_ERROR, INSUFFICIENT_FUNDS, …).
  if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return describeChainError(err);
  return undefined;
}

export function kitAction<A extends TaskArguments>(taskName: string, action: ActionType<A>): ActionType<A> {
  return async (args, hre, runSuper) => {
    try {
      return await action(args, hre, runSuper);
    } catch (err) {
      const message = await userMessage(err);
      if (message === undefined) throw err;
      if (!isTopLevelTask(taskName)) {
        const { UserError } = await import("../../src/errors");
        throw new UserError(message);
      }
      console.error(`error: ${message}`);
      process.exitCode = 1;
      return undefined;
    }
  };
}

/** Parses an integer argument (decimal or 0x-hex) or fails with one line naming it. */
export async function parseIntegerArg(name: string, value: string): Promise<bigint> {
  const { toBigInt } = await import("../../src/crypto/field");
  try {
    return toBigInt(value);
  } catch {
    const { UserError } = await import("../../src/errors");
    throw new UserError(`--${name} must be an integer, got "${value}"`);
  }
}

/** Parses an address argument or fails with one line naming it. */
export async function parseAddressArg(name: string, value: string): Promise<string> {
  const { getAddress } = await import("ethers");
  try {
    return getAddress(value);
  } catch {
    const { UserError } = await import("../../src/errors");
    throw new UserError(`--${name} must be an address, got "${value}"`);
  }
}
