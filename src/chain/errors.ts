/**
 * Turns a failed call into one readable line, decoding custom errors of every kit
 * contract (a revert bubbled up from another contract is not in the callee's ABI).
 */
import { Interface, type ErrorDescription } from "ethers";

import {
  BatchManager__factory,
  DeviceRegistry__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RewardDistributor__factory,
  DePINToken__factory,
  VerifierRegistry__factory,
} from "../../typechain-types";

const KIT_INTERFACES: Interface[] = [
  DeviceRegistry__factory.createInterface(),
  ProjectRegistry__factory.createInterface(),
  ProverPool__factory.createInterface(),
  BatchManager__factory.createInterface(),
  VerifierRegistry__factory.createInterface(),
  RewardDistributor__factory.createInterface(),
  DePINToken__factory.createInterface(),
];

function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
  for (const key of ["error", "info", "cause", "data"]) {
    const found = findRevertData(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The decoded custom error of a revert, if any kit contract declares it. */
export function decodeKitError(err: unknown): ErrorDescription | undefined {
  const data = findRevertData(err);
  if (data === undefined) return undefined;
  for (const iface of KIT_INTERFACES) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return parsed;
    } catch {
      // not this interface's error
    }
  }
  return undefined;
}

/** `Name(arg, …)` for a kit custom error, else the error's short message. */
export function describeChainError(err: unknown): string {
  const decoded = decodeKitError(err);
  if (decoded !== undefined) {
    const args = decoded.args.map((a) => String(a)).join(", ");
    return `reverted: ${decoded.name}(${args})`;
  }
  const e = err as { shortMessage?: string; message?: string };
  return e.shortMessage ?? e.message ?? String(err);
}
