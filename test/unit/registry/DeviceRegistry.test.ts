import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";

import { deadlineIn, deviceClient, projectFixture } from "../../helpers/fixtures";
import { domainOf, makeRequest, signWith, signedBatch, signedRegistration } from "../../helpers/devices";
import { Admission, DeviceStatus, SAMPLE_DID_URI } from "../../helpers/constants";
import {
  OpChain,
  SNARK_SCALAR_FIELD,
  approvalDigest,
  deviceIdOf,
  didOf,
  documentDigest,
  generateBabyJubKey,
  keyHash,
  registrationDigest,
  rotationDigest,
  signApproval,
  signKeyRotation,
} from "../../../src/crypto";
import { generateIdentity } from "../../../src/device";
import { DeviceRegistry__factory, ERC1271WalletMock__factory } from "../../../typechain-types";
import { deployments } from "hardhat";
import { DEPLOYMENTS } from "../../../src/chain/deployments";

const OTHER_CHAIN_ID = 4690n;
const FIRST_INDEX = 0n;

const registeredDeviceFixture = deployments.createFixture(async () => {
  const base = await projectFixture();
  const client = deviceClient(base);
  const deadline = await deadlineIn();
  await client.register({
    owner: base.deviceOwner.address,
    projectId: base.projectId,
    deadline,
    didURI: SAMPLE_DID_URI,
  });
  return { ...base, client };
});

async function deployRegistry(stateDepth: number) {
  const [deployer] = await ethers.getSigners();
  const poseidon = await deployments.get(DEPLOYMENTS.poseidonT4);
  const projects = await deployments.get(DEPLOYMENTS.projectRegistry);
  const factory = new DeviceRegistry__factory(
    { "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": poseidon.address },
    deployer,
  );
  return factory.deploy(projects.address, stateDepth, ethers.ZeroAddress, ethers.ZeroAddress);
}

describe("DeviceRegistry", function () {
  describe("register", function () {
    it("mints the ioID to the owner, assigns index 0 and appends the first op", async function () {
      const base = await projectFixture();
      const { deviceRegistry, deviceOwner, projectId } = base;
      const client = deviceClient(base);
      const { request, signature } = await client.signRegistration({
        owner: deviceOwner.address,
        projectId,
        deadline: await deadlineIn(),
        didURI: SAMPLE_DID_URI,
      });
      const deviceId = deviceIdOf(client.address);
      const kh = keyHash(deviceId, request.ax, request.ay);
      const chain = new OpChain();
      const head = chain.append({ index: FIRST_INDEX, keyHash: kh });

      await expect(deviceRegistry.connect(base.relayer).register(request, signature))
        .to.emit(deviceRegistry, "DeviceRegistered")
        .withArgs(
          deviceId,
          projectId,
          deviceOwner.address,
          FIRST_INDEX,
          request.ax,
          request.ay,
          kh,
          request.didHash,
          SAMPLE_DID_URI,
        )
        .and.to.emit(deviceRegistry, "RegistryOpAppended")
        .withArgs(projectId, 1n, FIRST_INDEX, kh, head)
        .and.to.emit(deviceRegistry, "Transfer")
        .withArgs(ethers.ZeroAddress, deviceOwner.address, deviceId);

      expect(await deviceRegistry.ownerOf(deviceId)).to.equal(deviceOwner.address);
      const d = await deviceRegistry.deviceOf(deviceId);
      expect(d.projectId).to.equal(projectId);
      expect(d.index).to.equal(FIRST_INDEX);
      expect(d.nonce).to.equal(1n);
      expect(d.status).to.equal(DeviceStatus.Active);
      expect(await deviceRegistry.deviceCount(projectId)).to.equal(1n);
      expect(await deviceRegistry.opCount(projectId)).to.equal(1n);
      expect(await deviceRegistry.opsChainAt(projectId, 0n)).to.equal(0n);
      expect(await deviceRegistry.opsChainAt(projectId, 1n)).to.equal(head);
      expect(await deviceRegistry.didOf(deviceId)).to.equal(didOf(client.address));
      expect(await deviceRegistry.deviceIdOf(client.address)).to.equal(deviceId);
    });

    it("gives devices consecutive indices", async function () {
      const base = await projectFixture();
      const deadline = await deadlineIn();
      for (let i = 0n; i < 3n; i++) {
        const client = deviceClient(base);
        await client.register({ owner: base.deviceOwner.address, projectId: base.projectId, deadline });
        expect((await base.deviceRegistry.deviceOf(client.deviceId)).index).to.equal(i);
      }
    });

    it("registers an ERC-1271 smart device", async function () {
      const base = await projectFixture();
      const key = Wallet.createRandom();
      const wallet = await new ERC1271WalletMock__factory(base.deployer).deploy(key.address);
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: await wallet.getAddress(),
        deadline: await deadlineIn(),
      });
      const signature = await signWith(key, base.deviceRegistry, request);
      const deviceId = deviceIdOf(await wallet.getAddress());
      await expect(base.deviceRegistry.register(request, signature))
        .to.emit(base.deviceRegistry, "DeviceRegistered")
        .withArgs(
          deviceId,
          base.projectId,
          base.deviceOwner.address,
          FIRST_INDEX,
          request.ax,
          request.ay,
          keyHash(deviceId, request.ax, request.ay),
          request.didHash,
          request.didURI,
        );

      const forged = makeRequest({
        ...request,
        device: await wallet.getAddress(),
        deadline: request.deadline,
      });
      const impostor = await signWith(Wallet.createRandom(), base.deviceRegistry, forged);
      await expect(base.deviceRegistry.register(forged, impostor)).to.be.revertedWithCustomError(
        base.deviceRegistry,
        "DeviceAlreadyRegistered",
      );
    });

    it("rejects an ERC-1271 device whose wallet refuses the signature", async function () {
      const base = await projectFixture();
      const wallet = await new ERC1271WalletMock__factory(base.deployer).deploy(
        Wallet.createRandom().address,
      );
      const device = await wallet.getAddress();
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device,
        deadline: await deadlineIn(),
      });
      const signature = await signWith(Wallet.createRandom(), base.deviceRegistry, request);
      await expect(base.deviceRegistry.register(request, signature))
        .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
        .withArgs(device);
    });

    it("computes the digests the SDK signs", async function () {
      const base = await projectFixture();
      const domain = await domainOf(base.deviceRegistry);
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: Wallet.createRandom().address,
        deadline: 1n,
      });
      expect(await base.deviceRegistry.registrationDigest(request)).to.equal(
        registrationDigest(domain, request),
      );
      expect(await base.deviceRegistry.approvalDigest(request)).to.equal(approvalDigest(domain, request));
      const rotation = { device: request.device, ax: 5n, ay: 6n, nonce: 3n, deadline: 7n };
      expect(await base.deviceRegistry.rotationDigest(rotation)).to.equal(rotationDigest(domain, rotation));
      const update = {
        device: request.device,
        didHash: request.didHash,
        didURI: "x",
        nonce: 1n,
        deadline: 9n,
      };
      expect(await base.deviceRegistry.documentDigest(update)).to.equal(documentDigest(domain, update));
    });

    describe("replay and front-running", function () {
      it("rejects a signature made for another chain id", async function () {
        const base = await projectFixture();
        const device = Wallet.createRandom();
        const request = makeRequest({
          owner: base.deviceOwner.address,
          projectId: base.projectId,
          device: device.address,
          deadline: await deadlineIn(),
        });
        const signature = await signWith(device, base.deviceRegistry, request, OTHER_CHAIN_ID);
        await expect(base.deviceRegistry.register(request, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
          .withArgs(device.address);
      });

      it("rejects a signature made for another registry", async function () {
        const base = await projectFixture();
        const other = await deployRegistry(20);
        const device = Wallet.createRandom();
        const request = makeRequest({
          owner: base.deviceOwner.address,
          projectId: base.projectId,
          device: device.address,
          deadline: await deadlineIn(),
        });
        const signature = await signWith(device, other, request);
        await other.register(request, signature); // valid where it was meant to be used
        await expect(base.deviceRegistry.register(request, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
          .withArgs(device.address);
      });

      it("rejects a request resubmitted for another owner", async function () {
        const base = await projectFixture();
        const { device, request, signature } = await signedRegistration(base, await deadlineIn());
        const hijacked = { ...request, owner: base.stranger.address };
        await expect(base.deviceRegistry.connect(base.stranger).register(hijacked, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
          .withArgs(device.address);
      });

      it("rejects a request resubmitted into another project", async function () {
        const base = await projectFixture();
        await base.projectRegistry.connect(base.stranger).register("other", "", ethers.ZeroHash);
        const { request, signature } = await signedRegistration(base, await deadlineIn());
        await expect(
          base.deviceRegistry.register({ ...request, projectId: 2n }, signature),
        ).to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature");
      });

      it("rejects a request past its deadline with ExpiredDeadline", async function () {
        const base = await projectFixture();
        const device = Wallet.createRandom();
        const deadline = await deadlineIn();
        const request = makeRequest({
          owner: base.deviceOwner.address,
          projectId: base.projectId,
          device: device.address,
          deadline,
        });
        const signature = await signWith(device, base.deviceRegistry, request);
        await time.increaseTo(deadline + 1n);
        await expect(base.deviceRegistry.register(request, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "ExpiredDeadline")
          .withArgs(deadline);
      });

      it("rejects a registration nonce other than 0 with InvalidNonce", async function () {
        const base = await projectFixture();
        const device = Wallet.createRandom();
        const request = {
          ...makeRequest({
            owner: base.deviceOwner.address,
            projectId: base.projectId,
            device: device.address,
            deadline: await deadlineIn(),
          }),
          nonce: 1n,
        };
        const signature = await signWith(device, base.deviceRegistry, request);
        await expect(base.deviceRegistry.register(request, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidNonce")
          .withArgs(1n, 0n);
      });

      it("rejects the same registration twice with DeviceAlreadyRegistered", async function () {
        const base = await projectFixture();
        const { device, request, signature } = await signedRegistration(base, await deadlineIn());
        await base.deviceRegistry.register(request, signature);
        await expect(base.deviceRegistry.register(request, signature))
          .to.be.revertedWithCustomError(base.deviceRegistry, "DeviceAlreadyRegistered")
          .withArgs(deviceIdOf(device.address));
      });
    });

    describe("key checks", function () {
      const cases: [string, bigint, bigint][] = [
        ["Ax = r", SNARK_SCALAR_FIELD, 1n],
        ["Ay = r", 1n, SNARK_SCALAR_FIELD],
        ["Ax = 2^256 - 1", 2n ** 256n - 1n, 1n],
        ["Ax = 0 (identity)", 0n, 1n],
      ];
      for (const [name, ax, ay] of cases) {
        it(`rejects ${name} with InvalidPublicKey`, async function () {
          const base = await projectFixture();
          const device = Wallet.createRandom();
          const request = makeRequest({
            owner: base.deviceOwner.address,
            projectId: base.projectId,
            device: device.address,
            deadline: await deadlineIn(),
            ax,
            ay,
          });
          const signature = await signWith(device, base.deviceRegistry, request);
          await expect(base.deviceRegistry.register(request, signature))
            .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidPublicKey")
            .withArgs(ax, ay);
        });
      }
    });

    it("rejects a device signature by another key with InvalidDeviceSignature", async function () {
      const base = await projectFixture();
      const device = Wallet.createRandom();
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: device.address,
        deadline: await deadlineIn(),
      });
      const signature = await signWith(Wallet.createRandom(), base.deviceRegistry, request);
      await expect(base.deviceRegistry.register(request, signature))
        .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
        .withArgs(device.address);
    });

    it("rejects an unknown project with the project registry's UnknownProject", async function () {
      const base = await projectFixture();
      const device = Wallet.createRandom();
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: 42n,
        device: device.address,
        deadline: await deadlineIn(),
      });
      const signature = await signWith(device, base.deviceRegistry, request);
      await expect(base.deviceRegistry.register(request, signature))
        .to.be.revertedWithCustomError(base.projectRegistry, "UnknownProject")
        .withArgs(42n);
    });

    it("rejects registration into a paused project with ProjectPausedForRegistration", async function () {
      const base = await projectFixture();
      await base.projectRegistry.connect(base.operator).pause(base.projectId);
      const { request, signature } = await signedRegistration(base, await deadlineIn());
      await expect(base.deviceRegistry.register(request, signature))
        .to.be.revertedWithCustomError(base.deviceRegistry, "ProjectPausedForRegistration")
        .withArgs(base.projectId);
    });

    it("rejects a device beyond the project's capacity with ProjectFull", async function () {
      const base = await projectFixture();
      const registry = await deployRegistry(1);
      const deadline = await deadlineIn();
      for (let i = 0; i < 2; i++) {
        const device = Wallet.createRandom();
        const request = makeRequest({
          owner: base.deviceOwner.address,
          projectId: base.projectId,
          device: device.address,
          deadline,
        });
        await registry.register(request, await signWith(device, registry, request));
      }
      const device = Wallet.createRandom();
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: device.address,
        deadline,
      });
      await expect(registry.register(request, await signWith(device, registry, request)))
        .to.be.revertedWithCustomError(registry, "ProjectFull")
        .withArgs(base.projectId, 2n);
    });

    it("rejects a state depth of 0 or above 32 at deployment with InvalidStateDepth", async function () {
      const base = await projectFixture();
      for (const depth of [0, 33]) {
        await expect(deployRegistry(depth))
          .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidStateDepth")
          .withArgs(depth);
      }
      expect(await (await deployRegistry(32)).stateDepth()).to.equal(32n);
    });
  });

  describe("operator approval", function () {
    const approvalProjectFixture = deployments.createFixture(async () => {
      const base = await projectFixture();
      await base.projectRegistry
        .connect(base.projectOwner)
        .setAdmission(base.projectId, Admission.OperatorApproval);
      const { device, request, signature } = await signedRegistration(base, await deadlineIn());
      return { ...base, device, request, signature };
    });

    it("rejects a request without approval with AdmissionRequired", async function () {
      const { deviceRegistry, request, signature, projectId, device } = await approvalProjectFixture();
      await expect(deviceRegistry.register(request, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "AdmissionRequired")
        .withArgs(projectId, device.address);
    });

    it("admits a device with an operator's signature", async function () {
      const { deviceRegistry, request, signature, operator, device } = await approvalProjectFixture();
      const approved = { ...request, approver: operator.address };
      approved.approverSignature = await signApproval(operator, await domainOf(deviceRegistry), approved);
      await expect(deviceRegistry.register(approved, signature))
        .to.emit(deviceRegistry, "DeviceRegistered")
        .withArgs(
          deviceIdOf(device.address),
          request.projectId,
          request.owner,
          FIRST_INDEX,
          request.ax,
          request.ay,
          keyHash(deviceIdOf(device.address), request.ax, request.ay),
          request.didHash,
          request.didURI,
        );
    });

    it("rejects an approval by a non-operator with ApproverNotOperator", async function () {
      const { deviceRegistry, request, signature, stranger, projectId } = await approvalProjectFixture();
      const approved = { ...request, approver: stranger.address };
      approved.approverSignature = await signApproval(stranger, await domainOf(deviceRegistry), approved);
      await expect(deviceRegistry.register(approved, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "ApproverNotOperator")
        .withArgs(projectId, stranger.address);
    });

    it("rejects a forged approval with InvalidApproverSignature", async function () {
      const { deviceRegistry, request, signature, operator, stranger } = await approvalProjectFixture();
      const approved = { ...request, approver: operator.address };
      approved.approverSignature = await signApproval(stranger, await domainOf(deviceRegistry), approved);
      await expect(deviceRegistry.register(approved, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "InvalidApproverSignature")
        .withArgs(operator.address);
    });

    it("admits a device whose allow flag an operator set", async function () {
      const { deviceRegistry, request, signature, operator, projectId, device } =
        await approvalProjectFixture();
      await expect(deviceRegistry.connect(operator).setAdmission(projectId, device.address, true))
        .to.emit(deviceRegistry, "DeviceAdmissionUpdated")
        .withArgs(projectId, device.address, true, operator.address);
      expect(await deviceRegistry.isAdmitted(projectId, device.address)).to.equal(true);
      await expect(deviceRegistry.register(request, signature)).to.emit(deviceRegistry, "DeviceRegistered");
    });

    it("rejects setAdmission by a non-operator with NotOperator", async function () {
      const { deviceRegistry, stranger, projectId, device } = await approvalProjectFixture();
      await expect(deviceRegistry.connect(stranger).setAdmission(projectId, device.address, true))
        .to.be.revertedWithCustomError(deviceRegistry, "NotOperator")
        .withArgs(projectId, stranger.address);
    });
  });

  describe("registerBatch", function () {
    it("registers many devices in one transaction", async function () {
      const base = await projectFixture();
      const { devices, requests, signatures } = await signedBatch(base, await deadlineIn(), 3);
      const tx = base.deviceRegistry.registerBatch(requests, signatures);
      for (const [i, d] of devices.entries()) {
        await expect(tx)
          .to.emit(base.deviceRegistry, "DeviceRegistered")
          .withArgs(
            deviceIdOf(d.address),
            base.projectId,
            base.deviceOwner.address,
            BigInt(i),
            requests[i].ax,
            requests[i].ay,
            keyHash(deviceIdOf(d.address), requests[i].ax, requests[i].ay),
            requests[i].didHash,
            requests[i].didURI,
          );
      }
      expect(await base.deviceRegistry.deviceCount(base.projectId)).to.equal(3n);
      expect(await base.deviceRegistry.balanceOf(base.deviceOwner.address)).to.equal(3n);
    });

    it("is all or nothing for an entry that fails its checks", async function () {
      const base = await projectFixture();
      const deadline = await deadlineIn();
      const devices = [Wallet.createRandom(), Wallet.createRandom()];
      const requests = devices.map((d) =>
        makeRequest({
          owner: base.deviceOwner.address,
          projectId: base.projectId,
          device: d.address,
          deadline,
        }),
      );
      const signatures = [
        await signWith(devices[0], base.deviceRegistry, requests[0]),
        await signWith(devices[0], base.deviceRegistry, requests[1]),
      ];
      await expect(base.deviceRegistry.registerBatch(requests, signatures))
        .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidDeviceSignature")
        .withArgs(devices[1].address);
      expect(await base.deviceRegistry.deviceCount(base.projectId)).to.equal(0n);
    });

    it("skips an entry someone relayed first, registers the rest and reports which (return value and events)", async function () {
      const base = await projectFixture();
      const { devices, requests, signatures } = await signedBatch(base, await deadlineIn(), 3);
      // A stranger relays the middle entry of the manufacturer's pending batch first.
      await base.deviceRegistry.connect(base.stranger).register(requests[1], signatures[1]);

      const [ids, registered] = await base.deviceRegistry.registerBatch.staticCall(requests, signatures);
      expect(ids).to.deep.equal(devices.map((d) => deviceIdOf(d.address)));
      expect(registered).to.deep.equal([true, false, true]);
      const tx = base.deviceRegistry.registerBatch(requests, signatures);
      await expect(tx)
        .to.emit(base.deviceRegistry, "RegistrationSkipped")
        .withArgs(deviceIdOf(devices[1].address), 1n);
      await expect(tx)
        .to.emit(base.deviceRegistry, "DeviceRegistered")
        .withArgs(
          deviceIdOf(devices[2].address),
          base.projectId,
          base.deviceOwner.address,
          2n,
          requests[2].ax,
          requests[2].ay,
          keyHash(deviceIdOf(devices[2].address), requests[2].ax, requests[2].ay),
          requests[2].didHash,
          requests[2].didURI,
        );
      expect(await base.deviceRegistry.deviceCount(base.projectId)).to.equal(3n);
      expect((await base.deviceRegistry.deviceOf(deviceIdOf(devices[1].address))).index).to.equal(0n);
      // The whole batch again: every entry is already registered as signed, nothing changes.
      const again = await base.deviceRegistry.registerBatch.staticCall(requests, signatures);
      expect(again.registered).to.deep.equal([false, false, false]);
    });

    it("still reverts an entry for a device registered by another request (DeviceAlreadyRegistered)", async function () {
      const base = await projectFixture();
      const deadline = await deadlineIn();
      const device = Wallet.createRandom();
      const signed = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: device.address,
        deadline,
      });
      const other = { ...signed, owner: base.stranger.address };
      await base.deviceRegistry.register(other, await signWith(device, base.deviceRegistry, other));
      await expect(
        base.deviceRegistry.registerBatch([signed], [await signWith(device, base.deviceRegistry, signed)]),
      )
        .to.be.revertedWithCustomError(base.deviceRegistry, "DeviceAlreadyRegistered")
        .withArgs(deviceIdOf(device.address));
    });

    it("rejects empty or mismatched arrays with InvalidBatchLength", async function () {
      const base = await projectFixture();
      await expect(base.deviceRegistry.registerBatch([], []))
        .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidBatchLength")
        .withArgs(0n, 0n);
      const request = makeRequest({
        owner: base.deviceOwner.address,
        projectId: base.projectId,
        device: Wallet.createRandom().address,
        deadline: await deadlineIn(),
      });
      await expect(base.deviceRegistry.registerBatch([request], []))
        .to.be.revertedWithCustomError(base.deviceRegistry, "InvalidBatchLength")
        .withArgs(1n, 0n);
    });
  });

  describe("rotateKey", function () {
    it("replaces the key, appends an op and consumes the nonce", async function () {
      const { deviceRegistry, client, projectId } = await registeredDeviceFixture();
      const next = generateBabyJubKey();
      const kh = keyHash(client.deviceId, next.ax, next.ay);
      const prev = await deviceRegistry.opsChainAt(projectId, 1n);
      const head = new OpChain();
      head.checkpoints[0] = prev; // continue from opsChain(1)
      const expected = head.append({ index: FIRST_INDEX, keyHash: kh });
      await expect(client.rotateKey(next, await deadlineIn()))
        .to.emit(deviceRegistry, "DeviceKeyRotated")
        .withArgs(client.deviceId, next.ax, next.ay, kh)
        .and.to.emit(deviceRegistry, "RegistryOpAppended")
        .withArgs(projectId, 2n, FIRST_INDEX, kh, expected);
      expect((await deviceRegistry.deviceOf(client.deviceId)).nonce).to.equal(2n);
    });

    it("rejects a reused nonce with InvalidNonce", async function () {
      const { deviceRegistry, client } = await registeredDeviceFixture();
      const next = generateBabyJubKey();
      const rotation = {
        device: client.address,
        ax: next.ax,
        ay: next.ay,
        nonce: 1n,
        deadline: await deadlineIn(),
      };
      const signature = await signKeyRotation(
        client.identity.wallet,
        await domainOf(deviceRegistry),
        rotation,
      );
      await deviceRegistry.rotateKey(rotation, signature);
      await expect(deviceRegistry.rotateKey(rotation, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "InvalidNonce")
        .withArgs(1n, 2n);
    });

    it("rejects a rotation signed by another key with InvalidDeviceSignature", async function () {
      const { deviceRegistry, client, stranger } = await registeredDeviceFixture();
      const next = generateBabyJubKey();
      const rotation = {
        device: client.address,
        ax: next.ax,
        ay: next.ay,
        nonce: 1n,
        deadline: await deadlineIn(),
      };
      const signature = await signKeyRotation(stranger, await domainOf(deviceRegistry), rotation);
      await expect(deviceRegistry.rotateKey(rotation, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "InvalidDeviceSignature")
        .withArgs(client.address);
    });

    it("rejects an expired rotation and an invalid key", async function () {
      const { deviceRegistry, client } = await registeredDeviceFixture();
      const domain = await domainOf(deviceRegistry);
      const expired = { device: client.address, ax: 1n, ay: 1n, nonce: 1n, deadline: 1n };
      await expect(
        deviceRegistry.rotateKey(expired, await signKeyRotation(client.identity.wallet, domain, expired)),
      )
        .to.be.revertedWithCustomError(deviceRegistry, "ExpiredDeadline")
        .withArgs(1n);
      const bad = { ...expired, ax: SNARK_SCALAR_FIELD, deadline: await deadlineIn() };
      await expect(deviceRegistry.rotateKey(bad, await signKeyRotation(client.identity.wallet, domain, bad)))
        .to.be.revertedWithCustomError(deviceRegistry, "InvalidPublicKey")
        .withArgs(SNARK_SCALAR_FIELD, 1n);
    });

    it("rejects an unknown device with UnknownDevice", async function () {
      const base = await projectFixture();
      const identity = generateIdentity();
      const rotation = {
        device: identity.wallet.address,
        ax: 1n,
        ay: 1n,
        nonce: 0n,
        deadline: await deadlineIn(),
      };
      const signature = await signKeyRotation(identity.wallet, await domainOf(base.deviceRegistry), rotation);
      await expect(base.deviceRegistry.rotateKey(rotation, signature))
        .to.be.revertedWithCustomError(base.deviceRegistry, "UnknownDevice")
        .withArgs(deviceIdOf(identity.wallet.address));
    });
  });

  describe("updateDocument", function () {
    it("publishes the new document and consumes the nonce", async function () {
      const { deviceRegistry, client } = await registeredDeviceFixture();
      const uri = "https://devices.example.org/did.json";
      await expect(client.updateDocument(uri, await deadlineIn()))
        .to.emit(deviceRegistry, "DeviceDocumentUpdated")
        .withArgs(
          client.deviceId,
          ethers.keccak256(ethers.toUtf8Bytes(JSON.stringify(client.document()))),
          uri,
        );
      expect((await deviceRegistry.deviceOf(client.deviceId)).nonce).to.equal(2n);
    });

    it("rejects an update signed by another key with InvalidDeviceSignature", async function () {
      const { deviceRegistry, client, stranger } = await registeredDeviceFixture();
      const update = {
        device: client.address,
        didHash: ethers.ZeroHash,
        didURI: "x",
        nonce: 1n,
        deadline: await deadlineIn(),
      };
      const { signDocumentUpdate } = await import("../../../src/crypto/eip712");
      const signature = await signDocumentUpdate(stranger, await domainOf(deviceRegistry), update);
      await expect(deviceRegistry.updateDocument(update, signature))
        .to.be.revertedWithCustomError(deviceRegistry, "InvalidDeviceSignature")
        .withArgs(client.address);
    });
  });

  describe("revoke", function () {
    it("lets the ioID owner revoke: op (index, 0), token kept", async function () {
      const { deviceRegistry, client, deviceOwner, projectId } = await registeredDeviceFixture();
      const prev = await deviceRegistry.opsChainAt(projectId, 1n);
      const chain = new OpChain();
      chain.checkpoints[0] = prev;
      const expected = chain.append({ index: FIRST_INDEX, keyHash: 0n });
      await expect(deviceRegistry.connect(deviceOwner).revoke(client.deviceId))
        .to.emit(deviceRegistry, "DeviceRevoked")
        .withArgs(client.deviceId, deviceOwner.address)
        .and.to.emit(deviceRegistry, "RegistryOpAppended")
        .withArgs(projectId, 2n, FIRST_INDEX, 0n, expected);
      expect(await deviceRegistry.ownerOf(client.deviceId)).to.equal(deviceOwner.address);
      expect((await deviceRegistry.deviceOf(client.deviceId)).status).to.equal(DeviceStatus.Revoked);
    });

    it("lets a project operator and an approved account revoke", async function () {
      const base = await projectFixture();
      const deadline = await deadlineIn();
      const a = deviceClient(base);
      const b = deviceClient(base);
      await a.register({ owner: base.deviceOwner.address, projectId: base.projectId, deadline });
      await b.register({ owner: base.deviceOwner.address, projectId: base.projectId, deadline });
      await expect(base.deviceRegistry.connect(base.operator).revoke(a.deviceId))
        .to.emit(base.deviceRegistry, "DeviceRevoked")
        .withArgs(a.deviceId, base.operator.address);
      await base.deviceRegistry.connect(base.deviceOwner).approve(base.relayer.address, b.deviceId);
      await expect(base.deviceRegistry.connect(base.relayer).revoke(b.deviceId))
        .to.emit(base.deviceRegistry, "DeviceRevoked")
        .withArgs(b.deviceId, base.relayer.address);
    });

    it("rejects a stranger with NotAuthorizedToRevoke", async function () {
      const { deviceRegistry, client, stranger } = await registeredDeviceFixture();
      await expect(deviceRegistry.connect(stranger).revoke(client.deviceId))
        .to.be.revertedWithCustomError(deviceRegistry, "NotAuthorizedToRevoke")
        .withArgs(client.deviceId, stranger.address);
    });

    it("makes revocation final: DeviceIsRevoked for revoke, rotate and update", async function () {
      const { deviceRegistry, client, deviceOwner } = await registeredDeviceFixture();
      await deviceRegistry.connect(deviceOwner).revoke(client.deviceId);
      await expect(deviceRegistry.connect(deviceOwner).revoke(client.deviceId))
        .to.be.revertedWithCustomError(deviceRegistry, "DeviceIsRevoked")
        .withArgs(client.deviceId);
      await expect(client.rotateKey(generateBabyJubKey(), await deadlineIn()))
        .to.be.revertedWithCustomError(deviceRegistry, "DeviceIsRevoked")
        .withArgs(client.deviceId);
      await expect(client.updateDocument("x", await deadlineIn()))
        .to.be.revertedWithCustomError(deviceRegistry, "DeviceIsRevoked")
        .withArgs(client.deviceId);
    });

    it("rejects an unknown device with UnknownDevice", async function () {
      const { deviceRegistry, deviceOwner } = await projectFixture();
      await expect(deviceRegistry.connect(deviceOwner).revoke(7n))
        .to.be.revertedWithCustomError(deviceRegistry, "UnknownDevice")
        .withArgs(7n);
    });
  });

  describe("views", function () {
    it("reverts deviceOf and didOf for an unknown device, and opsChainAt past the head", async function () {
      const { deviceRegistry, projectId } = await registeredDeviceFixture();
      await expect(deviceRegistry.deviceOf(5n))
        .to.be.revertedWithCustomError(deviceRegistry, "UnknownDevice")
        .withArgs(5n);
      await expect(deviceRegistry.didOf(5n))
        .to.be.revertedWithCustomError(deviceRegistry, "UnknownDevice")
        .withArgs(5n);
      await expect(deviceRegistry.opsChainAt(projectId, 2n))
        .to.be.revertedWithCustomError(deviceRegistry, "UnknownCheckpoint")
        .withArgs(projectId, 2n);
      expect(await deviceRegistry.stateDepth()).to.equal(20n);
      expect(await deviceRegistry.projectRegistry()).to.equal(
        await (await registeredDeviceFixture()).projectRegistry.getAddress(),
      );
    });
  });
});
