/** prover:*, project:fund-fees and batch:* tasks, in-process against the settlement deployment. */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { FEES_DEPOSIT, STAKES, settlementFixture } from "../helpers/settlement";
import { DeviceClient, generateIdentity } from "../../src/device";
import { UserError } from "../../src/errors";
import { runTask } from "../helpers/tasks";

const AMOUNT = 150n * 10n ** 18n;
const UNBONDING = 7n * 24n * 3600n;
const PROOF_WINDOW = 3600n;

describe("tasks: prover and batch", function () {
  it("stakes, reports, unstakes and withdraws; funds fees; shows and reassigns a batch", async function () {
    const f = await settlementFixture();
    await f.token.mint(f.deployer.address, AMOUNT * 2n);

    await runTask("prover:stake", { amount: AMOUNT.toString() });
    const status = await runTask<{ stake: bigint; eligible: boolean; selectionShare: number }>(
      "prover:status",
      {},
    );
    expect(status.stake).to.equal(AMOUNT);
    expect(status.eligible).to.equal(true);
    const total = STAKES.reduce((a, b) => a + b) + AMOUNT;
    expect(status.selectionShare).to.be.closeTo(Number((AMOUNT * 10_000n) / total) / 10_000, 1e-4);
    const other = await runTask<{ stake: bigint }>("prover:status", { prover: f.provers[2].address });
    expect(other.stake).to.equal(STAKES[2]);

    await runTask("project:fund-fees", { project: f.projectId.toString(), amount: AMOUNT.toString() });
    expect((await f.manager.escrowOf(f.projectId))[0]).to.equal(FEES_DEPOSIT + AMOUNT);

    await new DeviceClient(generateIdentity(), f.deviceRegistry).register({
      owner: f.deviceOwner.address,
      projectId: f.projectId,
      deadline: BigInt(await time.latest()) + 600n,
    });
    await f.manager.connect(f.sequencer).submitBatch(f.projectId, 0n, 0, 1, "ipfs://ops");
    const shown = await runTask<{ status: string; prover: string }>("batch:show", { batch: "1" });
    expect(shown.status).to.equal("assigned");
    await time.increase(PROOF_WINDOW + 1n);
    const reassigned = await runTask<{ prover: string }>("batch:reassign", { batch: "1" });
    expect((await f.manager.batchOf(1n)).prover).to.equal(reassigned.prover);

    await runTask("prover:unstake", { amount: AMOUNT.toString() });
    await time.increase(UNBONDING);
    const before = await f.token.balanceOf(f.deployer.address);
    await runTask("prover:withdraw", {});
    expect(await f.token.balanceOf(f.deployer.address)).to.be.greaterThan(before);
  });

  it("answers bad input with one-line errors", async function () {
    await settlementFixture();
    await expect(runTask("batch:show", { batch: "99" })).to.be.rejectedWith(
      UserError,
      "batch 99 does not exist",
    );
    await expect(runTask("prover:stake", { amount: "0" })).to.be.rejectedWith(UserError, "positive");
    await expect(runTask("prover:withdraw", {})).to.be.rejectedWith(UserError, "NothingToWithdraw");
    await expect(runTask("batch:reassign", { batch: "x" })).to.be.rejectedWith(
      UserError,
      "--batch must be an integer",
    );
  });
});
