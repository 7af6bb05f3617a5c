/**
 * Gas of the identity layer, from receipts on the in-process chain:
 *   npx hardhat run scripts/gas-registry.ts
 * Registration of the 1st, 2nd and 1,000th device of a project, registerBatch per device
 * at 50, and ProjectRegistry.register. Set GAS_DEVICES to measure further (e.g. 10000).
 */
import hre from "hardhat";

import { measureRegistrationGas } from "./lib/registry-gas";

const TARGET_DEVICE = Number(process.env.GAS_DEVICES ?? 1000);

async function main() {
  const g = await measureRegistrationGas(hre, [TARGET_DEVICE]);
  const rows: [string, bigint][] = [
    ["ProjectRegistry.register (first project of an owner)", g.projectFirst],
    ["ProjectRegistry.register (owner's second project)", g.projectSecond],
    ["DeviceRegistry.register, 1st device of a project (new owner)", g.deviceFirst],
    ["DeviceRegistry.register, 2nd device (owner holds an ioID)", g.deviceSecond],
    ["DeviceRegistry.register, 3rd device to a new owner", g.deviceFreshOwner],
    [`DeviceRegistry.register, device #${TARGET_DEVICE}`, g.deviceAt[TARGET_DEVICE]],
    [`DeviceRegistry.registerBatch(${g.batchSize}) per device`, g.batchPerDevice],
    ["DeviceRegistry.register with its ERC-6551 account (project policy)", g.deviceWithAccount],
    ["DeviceRegistry.createAccount for an existing device", g.accountCreate],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(64)} ${value.toLocaleString("en-US")}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
