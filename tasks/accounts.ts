/**
 * Keys for live networks come from the environment (DEPLOYER_PRIVATE_KEY) or from
 * Hardhat's encrypted-at-rest vars (`npx hardhat vars set DEPLOYER_PRIVATE_KEY`), never
 * from a committed file. A missing key is reported by `requireSigner` in one line when a
 * task or deploy script actually needs to sign, not at config load.
 */
import { vars } from "hardhat/config";

export const DEPLOYER_KEY_NAME = "DEPLOYER_PRIVATE_KEY";

export function deployerKey(): string | undefined {
  const fromEnv = process.env[DEPLOYER_KEY_NAME];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return vars.has(DEPLOYER_KEY_NAME) ? vars.get(DEPLOYER_KEY_NAME) : undefined;
}

export function networkAccounts(): string[] {
  const key = deployerKey();
  return key === undefined ? [] : [key];
}

export const MISSING_KEY_MESSAGE =
  `no signing key for this network: set ${DEPLOYER_KEY_NAME} in the environment ` +
  `or run \`npx hardhat vars set ${DEPLOYER_KEY_NAME}\``;
