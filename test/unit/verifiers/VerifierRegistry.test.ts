import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { MockBatchVerifier__factory, VerifierRegistry__factory } from "../../../typechain-types";

const CIRCUIT = ethers.id("depin-kit/batch/test/v1");
const DELAY = 3600n;
const System = { Groth16: 0, Plonk: 1, Fflonk: 2 } as const;
const SIGNALS = Array.from({ length: 11 }, (_, i) => BigInt(i));

const registryFixture = deployments.createFixture(async () => {
  const [owner, stranger] = await ethers.getSigners();
  const registry = await new VerifierRegistry__factory(owner).deploy(owner.address, DELAY);
  const groth16 = await new MockBatchVerifier__factory(owner).deploy(System.Groth16, true);
  const groth16b = await new MockBatchVerifier__factory(owner).deploy(System.Groth16, false);
  const plonk = await new MockBatchVerifier__factory(owner).deploy(System.Plonk, true);
  return { registry, groth16, groth16b, plonk, owner, stranger };
});

describe("VerifierRegistry", function () {
  describe("register", function () {
    it("registers a first verifier and emits VerifierRegistered", async function () {
      const { registry, groth16 } = await registryFixture();
      await expect(registry.register(CIRCUIT, System.Groth16, groth16))
        .to.emit(registry, "VerifierRegistered")
        .withArgs(CIRCUIT, System.Groth16, await groth16.getAddress());
      expect(await registry.verifierOf(CIRCUIT, System.Groth16)).to.equal(await groth16.getAddress());
      expect(await registry.verify(CIRCUIT, System.Groth16, SIGNALS, "0x")).to.equal(true);
    });

    it("reverts with VerifierAlreadyRegistered over a live verifier", async function () {
      const { registry, groth16, groth16b } = await registryFixture();
      await registry.register(CIRCUIT, System.Groth16, groth16);
      await expect(registry.register(CIRCUIT, System.Groth16, groth16b))
        .to.be.revertedWithCustomError(registry, "VerifierAlreadyRegistered")
        .withArgs(CIRCUIT, System.Groth16);
    });

    it("reverts with ZeroVerifier and ProofSystemMismatch", async function () {
      const { registry, plonk } = await registryFixture();
      await expect(
        registry.register(CIRCUIT, System.Groth16, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(registry, "ZeroVerifier");
      await expect(registry.register(CIRCUIT, System.Groth16, plonk))
        .to.be.revertedWithCustomError(registry, "ProofSystemMismatch")
        .withArgs(System.Groth16, System.Plonk);
    });

    it("reverts with OwnableUnauthorizedAccount for a stranger", async function () {
      const { registry, groth16, stranger } = await registryFixture();
      await expect(registry.connect(stranger).register(CIRCUIT, System.Groth16, groth16))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });
  });

  describe("time-locked changes", function () {
    async function liveFixture() {
      const base = await registryFixture();
      await base.registry.register(CIRCUIT, System.Groth16, base.groth16);
      return base;
    }

    it("applies a replacement only after the delay", async function () {
      const { registry, groth16, groth16b } = await liveFixture();
      const tx = await registry.proposeChange(CIRCUIT, System.Groth16, groth16b);
      const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
      const executableAt = BigInt(block!.timestamp) + DELAY;
      await expect(tx)
        .to.emit(registry, "VerifierChangeProposed")
        .withArgs(CIRCUIT, System.Groth16, await groth16b.getAddress(), executableAt);
      expect((await registry.pendingChange(CIRCUIT, System.Groth16)).executableAt).to.equal(executableAt);
      await expect(registry.executeChange(CIRCUIT, System.Groth16))
        .to.be.revertedWithCustomError(registry, "ChangeNotReady")
        .withArgs(executableAt);
      await time.increaseTo(executableAt);
      await expect(registry.executeChange(CIRCUIT, System.Groth16))
        .to.emit(registry, "VerifierChanged")
        .withArgs(CIRCUIT, System.Groth16, await groth16.getAddress(), await groth16b.getAddress());
      expect(await registry.verify(CIRCUIT, System.Groth16, SIGNALS, "0x")).to.equal(false);
      expect(await registry.changeDelay()).to.equal(DELAY);
    });

    it("retires a verifier with a zero proposal", async function () {
      const { registry } = await liveFixture();
      await registry.proposeChange(CIRCUIT, System.Groth16, ethers.ZeroAddress);
      await time.increase(DELAY);
      await registry.executeChange(CIRCUIT, System.Groth16);
      await expect(registry.verify(CIRCUIT, System.Groth16, SIGNALS, "0x"))
        .to.be.revertedWithCustomError(registry, "UnknownVerifier")
        .withArgs(CIRCUIT, System.Groth16);
    });

    it("cancels a proposal", async function () {
      const { registry, groth16b } = await liveFixture();
      await registry.proposeChange(CIRCUIT, System.Groth16, groth16b);
      await expect(registry.cancelChange(CIRCUIT, System.Groth16))
        .to.emit(registry, "VerifierChangeCancelled")
        .withArgs(CIRCUIT, System.Groth16);
      await expect(registry.executeChange(CIRCUIT, System.Groth16))
        .to.be.revertedWithCustomError(registry, "NoPendingChange")
        .withArgs(CIRCUIT, System.Groth16);
      await expect(registry.cancelChange(CIRCUIT, System.Groth16))
        .to.be.revertedWithCustomError(registry, "NoPendingChange")
        .withArgs(CIRCUIT, System.Groth16);
    });

    it("reverts proposeChange with UnknownVerifier for a pair without a verifier", async function () {
      const { registry, plonk } = await liveFixture();
      await expect(registry.proposeChange(CIRCUIT, System.Plonk, plonk))
        .to.be.revertedWithCustomError(registry, "UnknownVerifier")
        .withArgs(CIRCUIT, System.Plonk);
    });

    it("reverts proposeChange and cancelChange for a stranger", async function () {
      const { registry, groth16b, stranger } = await liveFixture();
      await expect(registry.connect(stranger).proposeChange(CIRCUIT, System.Groth16, groth16b))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      await registry.proposeChange(CIRCUIT, System.Groth16, groth16b);
      await expect(registry.connect(stranger).cancelChange(CIRCUIT, System.Groth16))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });
  });
});
