import { task } from "hardhat/config";

import { kitAction, parseIntegerArg } from "./lib/action";

async function settlement(hre: import("hardhat/types").HardhatRuntimeEnvironment) {
  const { settlementFromHardhat } = await import("../src/chain/hardhat");
  return settlementFromHardhat(hre);
}

task("prover:stake", "Stakes the staking token (WIOTX) in the prover pool")
  .addParam("amount", "Amount in base units (wei)")
  .setAction(
    kitAction("prover:stake", async (args, hre) => {
      const { stakeProver } = await import("../src/chain/provers");
      const { settlement: s, signer } = await settlement(hre);
      const txHash = await stakeProver(s, signer, await parseIntegerArg("amount", args.amount));
      console.log(`staked ${args.amount} (tx ${txHash})`);
      return { txHash };
    }),
  );

task("prover:unstake", "Moves stake into unbonding (still slashable until withdrawn)")
  .addParam("amount", "Amount in base units (wei)")
  .setAction(
    kitAction("prover:unstake", async (args, hre) => {
      const { settlement: s } = await settlement(hre);
      const tx = await s.pool.requestUnstake(await parseIntegerArg("amount", args.amount));
      const receipt = (await tx.wait())!;
      console.log(`unstake of ${args.amount} requested (tx ${receipt.hash})`);
      return { txHash: receipt.hash };
    }),
  );

task("prover:withdraw", "Withdraws unbonded stake").setAction(
  kitAction("prover:withdraw", async (_args, hre) => {
    const { settlement: s } = await settlement(hre);
    const receipt = (await (await s.pool.withdraw()).wait())!;
    console.log(`withdrawn (tx ${receipt.hash})`);
    return { txHash: receipt.hash };
  }),
);

task("prover:status", "Prints a prover's stake, unbonding and selection share")
  .addOptionalParam("prover", "Prover address (default: the signer)")
  .setAction(
    kitAction("prover:status", async (args, hre) => {
      const { proverStatus } = await import("../src/chain/provers");
      const { settlement: s, signer } = await settlement(hre);
      const st = await proverStatus(s, args.prover ?? (await signer.getAddress()));
      console.log(
        `${st.prover}: stake ${st.stake}, unbonding ${st.unbonding} (until ${st.unbondingEndsAt}), ` +
          `${st.paused ? "paused" : st.eligible ? "eligible" : "below minimum stake"}, selection share ${(st.selectionShare * 100).toFixed(2)}%`,
      );
      return st;
    }),
  );

task("project:fund-fees", "Deposits prover fees into a project's escrow")
  .addParam("project", "Project id")
  .addParam("amount", "Amount in base units (wei)")
  .setAction(
    kitAction("project:fund-fees", async (args, hre) => {
      const { depositProjectFees } = await import("../src/chain/provers");
      const { settlement: s, signer } = await settlement(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const txHash = await depositProjectFees(
        s,
        signer,
        projectId,
        await parseIntegerArg("amount", args.amount),
      );
      console.log(`project ${projectId} fees +${args.amount} (tx ${txHash})`);
      return { txHash };
    }),
  );

task("batch:show", "Prints a batch")
  .addParam("batch", "Batch id")
  .setAction(
    kitAction("batch:show", async (args, hre) => {
      const { describeBatch } = await import("../src/chain/provers");
      const { settlement: s } = await settlement(hre);
      const b = await describeBatch(s, await parseIntegerArg("batch", args.batch));
      console.log(
        `batch ${b.batchId} (project ${b.projectId} #${b.sequence}): ${b.status}, prover ${b.prover}, deadline ${b.deadline}, ` +
          `${b.messageCount} messages, ops to ${b.opsTo}, fee ${b.fee}, bounty ${b.bounty}`,
      );
      return b;
    }),
  );

task("batch:reassign", "Reassigns a batch whose prover missed the deadline (slashes it)")
  .addParam("batch", "Batch id")
  .setAction(
    kitAction("batch:reassign", async (args, hre) => {
      const { settlement: s } = await settlement(hre);
      const batchId = await parseIntegerArg("batch", args.batch);
      const receipt = (await (await s.manager.reassign(batchId)).wait())!;
      const b = await s.manager.batchOf(batchId);
      console.log(`batch ${batchId} reassigned to ${b.prover} (tx ${receipt.hash})`);
      return { txHash: receipt.hash, prover: b.prover };
    }),
  );
