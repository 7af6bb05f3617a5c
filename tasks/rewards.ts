import { task } from "hardhat/config";

import { kitAction, parseAddressArg, parseIntegerArg } from "./lib/action";

async function kits(hre: import("hardhat/types").HardhatRuntimeEnvironment) {
  const { settlementFromHardhat } = await import("../src/chain/hardhat");
  return settlementFromHardhat(hre);
}

async function deviceIdFrom(value: string): Promise<bigint> {
  const { UserError } = await import("../src/errors");
  const { parseDeviceRef, deviceIdOf } = await import("../src/crypto/did");
  try {
    return deviceIdOf(parseDeviceRef(value));
  } catch (err) {
    throw new UserError(`device "${value}": ${(err as Error).message}`);
  }
}

/** Replay progress: a bar once the number of settled batches is known. */
async function replayProgress() {
  const { createProgress } = await import("../src/progress");
  let progress: ReturnType<typeof createProgress> | undefined;
  return {
    onBatch(done: number, total: number) {
      progress ??= createProgress("replaying settled batches", total);
      progress.step(`batch ${done}`);
      if (done === total) progress.done();
    },
  };
}

task("rewards:set-token", "Sets a project's reward token (owner; before the pool is first funded)")
  .addParam("project", "Project id")
  .addParam("token", "ERC-20 address")
  .setAction(
    kitAction("rewards:set-token", async (args, hre) => {
      const { setRewardToken } = await import("../src/chain/rewards");
      const { settlement } = await kits(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const txHash = await setRewardToken(settlement, projectId, await parseAddressArg("token", args.token));
      console.log(`project ${projectId} reward token ${args.token} (tx ${txHash})`);
      return { txHash };
    }),
  );

task("rewards:fund", "Funds a project's reward pool (anyone)")
  .addParam("project", "Project id")
  .addParam("amount", "Amount in base units")
  .setAction(
    kitAction("rewards:fund", async (args, hre) => {
      const { fundPool } = await import("../src/chain/rewards");
      const { settlement, signer } = await kits(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const txHash = await fundPool(
        settlement,
        signer,
        projectId,
        await parseIntegerArg("amount", args.amount),
      );
      console.log(`project ${projectId} reward pool +${args.amount} (tx ${txHash})`);
      return { txHash };
    }),
  );

task("rewards:set-rate", "Sets the reward per proven unit, from the next submitted batch on (owner)")
  .addParam("project", "Project id")
  .addParam("rate", "Reward per unit, in the reward token's base units")
  .setAction(
    kitAction("rewards:set-rate", async (args, hre) => {
      const { setRewardRate } = await import("../src/chain/rewards");
      const { kit } = await kits(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const txHash = await setRewardRate(kit, projectId, await parseIntegerArg("rate", args.rate));
      console.log(
        `project ${projectId} reward rate ${args.rate} per unit from the next batch (tx ${txHash})`,
      );
      return { txHash };
    }),
  );

task("rewards:pool", "Prints a project's reward pool")
  .addParam("project", "Project id")
  .setAction(
    kitAction("rewards:pool", async (args, hre) => {
      const { poolStatus } = await import("../src/chain/rewards");
      const { settlement } = await kits(hre);
      const p = await poolStatus(settlement, await parseIntegerArg("project", args.project));
      console.log(
        `project ${p.projectId}: token ${p.token}, funded ${p.funded}, owed ${p.owed}, paid ${p.paid}, ` +
          `balance ${p.balance}, withdrawable ${p.withdrawable}`,
      );
      return p;
    }),
  );

task(
  "rewards:show",
  "Prints a device's units and rewards (accrued, paid, claimable), rebuilt from public data",
)
  .addPositionalParam("device", "Device id, address or did:io")
  .setAction(
    kitAction("rewards:show", async (args, hre) => {
      const { showDeviceRewards } = await import("../src/chain/rewards");
      const { kit, settlement } = await kits(hre);
      const r = await showDeviceRewards(
        kit,
        settlement,
        await deviceIdFrom(args.device),
        await replayProgress(),
      );
      console.log(
        `device ${args.device} (project ${r.projectId}, index ${r.index}, owner ${r.owner}): ` +
          `units ${r.units}, accrued ${r.accrued}, paid ${r.paid}, claimable ${r.claimable}`,
      );
      return r;
    }),
  );

task("rewards:claim", "Claims devices' rewards for their ioID owners (one transaction per project)")
  .addVariadicPositionalParam("devices", "Device ids, addresses or did:io")
  .setAction(
    kitAction("rewards:claim", async (args: { devices: string[] }, hre) => {
      const { claimDevices } = await import("../src/chain/rewards");
      const { kit, settlement } = await kits(hre);
      const ids = await Promise.all(args.devices.map(deviceIdFrom));
      const results = await claimDevices(kit, settlement, ids, await replayProgress());
      for (const r of results) {
        const total = r.paid.reduce((sum, p) => sum + p.amount, 0n);
        console.log(
          `project ${r.projectId}: paid ${total} to ${r.paid.length} device(s) (tx ${r.txHash}, gas ${r.gasUsed})`,
        );
        for (const s of r.shortfall)
          console.log(`  device ${s.deviceId}: ${s.unpaid} still owed (pool short)`);
      }
      return results;
    }),
  );
