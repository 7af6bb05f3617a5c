import { expect } from "chai";

import { projectFixture, registriesFixture } from "../../helpers/fixtures";
import {
  Admission,
  PROJECT_NAME,
  SAMPLE_CONFIG_HASH,
  SAMPLE_CONFIG_URI,
  SAMPLE_SETTINGS,
} from "../../helpers/constants";

const UNKNOWN_PROJECT = 999n;
const OTHER_URI = "https://example.org/project.json";
const OTHER_HASH = "0x" + "cd".repeat(32);

describe("ProjectRegistry", function () {
  describe("register", function () {
    it("mints the project token to the caller and emits ProjectRegistered", async function () {
      const { projectRegistry, projectOwner } = await registriesFixture();
      await expect(
        projectRegistry.connect(projectOwner).register(PROJECT_NAME, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH),
      )
        .to.emit(projectRegistry, "ProjectRegistered")
        .withArgs(1n, projectOwner.address, PROJECT_NAME, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH)
        .and.to.emit(projectRegistry, "Transfer");
      expect(await projectRegistry.ownerOf(1n)).to.equal(projectOwner.address);
      const p = await projectRegistry.project(1n);
      expect(p.name).to.equal(PROJECT_NAME);
      expect(p.configURI).to.equal(SAMPLE_CONFIG_URI);
      expect(p.configHash).to.equal(SAMPLE_CONFIG_HASH);
      expect(p.admission).to.equal(Admission.Open);
      expect(p.paused).to.equal(false);
    });

    it("numbers projects sequentially from 1", async function () {
      const { projectRegistry, projectOwner, stranger } = await registriesFixture();
      await projectRegistry.connect(projectOwner).register("a", "", SAMPLE_CONFIG_HASH);
      await projectRegistry.connect(stranger).register("b", "", SAMPLE_CONFIG_HASH);
      expect(await projectRegistry.projectCount()).to.equal(2n);
      expect(await projectRegistry.ownerOf(2n)).to.equal(stranger.address);
    });

    it("reverts with EmptyProjectName for an empty name", async function () {
      const { projectRegistry } = await registriesFixture();
      await expect(
        projectRegistry.register("", SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH),
      ).to.be.revertedWithCustomError(projectRegistry, "EmptyProjectName");
    });
  });

  describe("setConfig", function () {
    it("lets the owner and an operator update the config", async function () {
      const { projectRegistry, projectOwner, operator, projectId } = await projectFixture();
      await expect(projectRegistry.connect(projectOwner).setConfig(projectId, OTHER_URI, OTHER_HASH))
        .to.emit(projectRegistry, "ConfigUpdated")
        .withArgs(projectId, OTHER_URI, OTHER_HASH);
      await expect(
        projectRegistry.connect(operator).setConfig(projectId, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH),
      )
        .to.emit(projectRegistry, "ConfigUpdated")
        .withArgs(projectId, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH);
    });

    it("reverts with NotProjectOperator for anyone else", async function () {
      const { projectRegistry, stranger, projectId } = await projectFixture();
      await expect(projectRegistry.connect(stranger).setConfig(projectId, OTHER_URI, OTHER_HASH))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOperator")
        .withArgs(projectId, stranger.address);
    });

    it("reverts with UnknownProject for a project that does not exist", async function () {
      const { projectRegistry, projectOwner } = await projectFixture();
      await expect(projectRegistry.connect(projectOwner).setConfig(UNKNOWN_PROJECT, OTHER_URI, OTHER_HASH))
        .to.be.revertedWithCustomError(projectRegistry, "UnknownProject")
        .withArgs(UNKNOWN_PROJECT);
    });
  });

  describe("setSequencer", function () {
    it("lets the owner set the sequencer", async function () {
      const { projectRegistry, projectOwner, sequencer, projectId } = await projectFixture();
      await expect(projectRegistry.connect(projectOwner).setSequencer(projectId, sequencer.address))
        .to.emit(projectRegistry, "SequencerUpdated")
        .withArgs(projectId, sequencer.address);
      expect(await projectRegistry.sequencerOf(projectId)).to.equal(sequencer.address);
    });

    it("reverts with NotProjectOwner for an operator", async function () {
      const { projectRegistry, operator, sequencer, projectId } = await projectFixture();
      await expect(projectRegistry.connect(operator).setSequencer(projectId, sequencer.address))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, operator.address);
    });

    it("reverts with NotProjectOwner for a stranger", async function () {
      const { projectRegistry, stranger, projectId } = await projectFixture();
      await expect(projectRegistry.connect(stranger).setSequencer(projectId, stranger.address))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, stranger.address);
    });
  });

  describe("setOperator", function () {
    it("grants and withdraws operator rights", async function () {
      const { projectRegistry, projectOwner, stranger, projectId } = await projectFixture();
      expect(await projectRegistry.isOperator(projectId, projectOwner.address)).to.equal(true);
      await expect(projectRegistry.connect(projectOwner).setOperator(projectId, stranger.address, true))
        .to.emit(projectRegistry, "OperatorUpdated")
        .withArgs(projectId, projectOwner.address, stranger.address, true);
      expect(await projectRegistry.isOperator(projectId, stranger.address)).to.equal(true);
      await expect(projectRegistry.connect(projectOwner).setOperator(projectId, stranger.address, false))
        .to.emit(projectRegistry, "OperatorUpdated")
        .withArgs(projectId, projectOwner.address, stranger.address, false);
      expect(await projectRegistry.isOperator(projectId, stranger.address)).to.equal(false);
    });

    it("does not carry operators over to a new owner", async function () {
      const { projectRegistry, projectOwner, operator, stranger, projectId } = await projectFixture();
      await projectRegistry
        .connect(projectOwner)
        .transferFrom(projectOwner.address, stranger.address, projectId);
      expect(await projectRegistry.isOperator(projectId, operator.address)).to.equal(false);
      expect(await projectRegistry.isOperator(projectId, stranger.address)).to.equal(true);
      expect(await projectRegistry.isOperator(projectId, projectOwner.address)).to.equal(false);
    });

    it("reports no operators for an unknown project", async function () {
      const { projectRegistry, projectOwner } = await projectFixture();
      expect(await projectRegistry.isOperator(UNKNOWN_PROJECT, projectOwner.address)).to.equal(false);
    });

    it("reverts with NotProjectOwner for an operator", async function () {
      const { projectRegistry, operator, stranger, projectId } = await projectFixture();
      await expect(projectRegistry.connect(operator).setOperator(projectId, stranger.address, true))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, operator.address);
    });
  });

  describe("setAdmission", function () {
    it("lets the owner require operator approval", async function () {
      const { projectRegistry, projectOwner, projectId } = await projectFixture();
      await expect(projectRegistry.connect(projectOwner).setAdmission(projectId, Admission.OperatorApproval))
        .to.emit(projectRegistry, "AdmissionUpdated")
        .withArgs(projectId, Admission.OperatorApproval);
      const [admission, paused] = await projectRegistry.registrationPolicy(projectId);
      expect(admission).to.equal(Admission.OperatorApproval);
      expect(paused).to.equal(false);
    });

    it("reverts with NotProjectOwner for a stranger", async function () {
      const { projectRegistry, stranger, projectId } = await projectFixture();
      await expect(projectRegistry.connect(stranger).setAdmission(projectId, Admission.OperatorApproval))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, stranger.address);
    });
  });

  describe("setSettings", function () {
    it("stores the settlement settings and emits them", async function () {
      const { projectRegistry, projectOwner, projectId } = await projectFixture();
      const s = SAMPLE_SETTINGS;
      await expect(projectRegistry.connect(projectOwner).setSettings(projectId, s))
        .to.emit(projectRegistry, "SettingsUpdated")
        .withArgs(projectId, [
          s.circuitId,
          s.proofSystem,
          s.minInterval,
          s.maxUnits,
          s.proverFee,
          s.rewardRate,
        ]);
      const stored = await projectRegistry.settingsOf(projectId);
      expect(stored.circuitId).to.equal(s.circuitId);
      expect(stored.minInterval).to.equal(s.minInterval);
      expect(stored.maxUnits).to.equal(s.maxUnits);
      expect(stored.proverFee).to.equal(s.proverFee);
      expect(stored.rewardRate).to.equal(s.rewardRate);
    });

    it("refuses minInterval 0 with ZeroMinInterval (one reading could be credited twice)", async function () {
      const { projectRegistry, projectOwner, projectId } = await projectFixture();
      await expect(
        projectRegistry.connect(projectOwner).setSettings(projectId, { ...SAMPLE_SETTINGS, minInterval: 0 }),
      )
        .to.be.revertedWithCustomError(projectRegistry, "ZeroMinInterval")
        .withArgs(projectId);
      await projectRegistry
        .connect(projectOwner)
        .setSettings(projectId, { ...SAMPLE_SETTINGS, minInterval: 1 });
      expect((await projectRegistry.settingsOf(projectId)).minInterval).to.equal(1n);
    });

    it("reverts with NotProjectOwner for an operator", async function () {
      const { projectRegistry, operator, projectId } = await projectFixture();
      await expect(projectRegistry.connect(operator).setSettings(projectId, SAMPLE_SETTINGS))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, operator.address);
    });
  });

  describe("pause and unpause", function () {
    it("lets an operator pause and the owner unpause", async function () {
      const { projectRegistry, projectOwner, operator, projectId } = await projectFixture();
      await expect(projectRegistry.connect(operator).pause(projectId))
        .to.emit(projectRegistry, "ProjectPaused")
        .withArgs(projectId, operator.address);
      expect((await projectRegistry.registrationPolicy(projectId))[1]).to.equal(true);
      await expect(projectRegistry.connect(projectOwner).unpause(projectId))
        .to.emit(projectRegistry, "ProjectUnpaused")
        .withArgs(projectId, projectOwner.address);
      expect((await projectRegistry.project(projectId)).paused).to.equal(false);
    });

    it("reverts with ProjectAlreadyPaused when paused twice", async function () {
      const { projectRegistry, projectOwner, projectId } = await projectFixture();
      await projectRegistry.connect(projectOwner).pause(projectId);
      await expect(projectRegistry.connect(projectOwner).pause(projectId))
        .to.be.revertedWithCustomError(projectRegistry, "ProjectAlreadyPaused")
        .withArgs(projectId);
    });

    it("reverts with ProjectNotPaused when unpausing a running project", async function () {
      const { projectRegistry, projectOwner, projectId } = await projectFixture();
      await expect(projectRegistry.connect(projectOwner).unpause(projectId))
        .to.be.revertedWithCustomError(projectRegistry, "ProjectNotPaused")
        .withArgs(projectId);
    });

    it("reverts pause with NotProjectOperator for a stranger", async function () {
      const { projectRegistry, stranger, projectId } = await projectFixture();
      await expect(projectRegistry.connect(stranger).pause(projectId))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOperator")
        .withArgs(projectId, stranger.address);
    });

    it("reverts unpause with NotProjectOwner for an operator", async function () {
      const { projectRegistry, projectOwner, operator, projectId } = await projectFixture();
      await projectRegistry.connect(projectOwner).pause(projectId);
      await expect(projectRegistry.connect(operator).unpause(projectId))
        .to.be.revertedWithCustomError(projectRegistry, "NotProjectOwner")
        .withArgs(projectId, operator.address);
    });
  });

  describe("views", function () {
    for (const view of ["project", "sequencerOf", "settingsOf", "registrationPolicy"] as const) {
      it(`${view} reverts with UnknownProject for a project that does not exist`, async function () {
        const { projectRegistry } = await projectFixture();
        await expect(projectRegistry[view](UNKNOWN_PROJECT))
          .to.be.revertedWithCustomError(projectRegistry, "UnknownProject")
          .withArgs(UNKNOWN_PROJECT);
      });
    }
  });
});
