import { expect } from "chai";
import { ethers } from "hardhat";

import { StateRootLog__factory } from "../../../typechain-types";

describe("StateRootLog", function () {
  async function logFixture() {
    const [deployer, manager, stranger] = await ethers.getSigners();
    const log = await new StateRootLog__factory(deployer).deploy();
    return { log, deployer, manager, stranger };
  }

  it("is wired to its BatchManager once, by its deployer", async function () {
    const { log, manager, stranger } = await logFixture();
    await expect(log.connect(stranger).setBatchManager(stranger.address))
      .to.be.revertedWithCustomError(log, "NotBatchManager")
      .withArgs(stranger.address);
    await expect(log.setBatchManager(manager.address))
      .to.emit(log, "BatchManagerSet")
      .withArgs(manager.address);
    await expect(log.setBatchManager(stranger.address)).to.be.revertedWithCustomError(
      log,
      "BatchManagerAlreadySet",
    );
  });

  it("keeps every root that was current and the amounts owed, from the BatchManager only", async function () {
    const { log, manager, stranger } = await logFixture();
    await log.setBatchManager(manager.address);
    await expect(log.connect(stranger).onStateRoot(1n, 1n, 11n, 5n))
      .to.be.revertedWithCustomError(log, "NotBatchManager")
      .withArgs(stranger.address);
    await expect(log.connect(manager).onStateRoot(1n, 1n, 11n, 5n))
      .to.emit(log, "StateRootRecorded")
      .withArgs(1n, 1n, 11n, 5n);
    await log.connect(manager).onStateRoot(1n, 2n, 22n, 7n);
    expect(await log.wasCurrent(1n, 11n)).to.equal(true);
    expect(await log.wasCurrent(1n, 22n)).to.equal(true);
    expect(await log.wasCurrent(1n, 33n)).to.equal(false);
    expect(await log.currentRoot(1n)).to.equal(22n);
    expect(await log.totalOwed(1n)).to.equal(12n);
  });
});
