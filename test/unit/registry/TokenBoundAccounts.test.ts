/**
 * ERC-6551 token-bound accounts of ioIDs: the registry (addresses, idempotence, the
 * ERC-6551 code layout), the DeviceAccount implementation (the owner follows the NFT, only
 * the owner executes, signatures, its own token refused) and the DeviceRegistry's
 * per-project policy (accounts at registration, rewards paid to accounts).
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";

import { DEPLOYMENTS } from "../../../src/chain/deployments";
import { claimManyArgs } from "../../../src/rewards";
import { deadlineIn, deviceClient, projectFixture } from "../../helpers/fixtures";
import { BUDGET, RATE, rewardsFixture } from "../../helpers/rewards";
import {
  DeviceAccount__factory,
  DeviceRegistry__factory,
  ERC6551Registry__factory,
  MisaddressingERC6551Registry__factory,
  MockERC20__factory,
} from "../../../typechain-types";

const ZERO_SALT = ethers.ZeroHash;
const INTERFACE_IDS = {
  erc165: "0x01ffc9a7",
  erc6551Account: "0x6faff5f1",
  erc6551Executable: "0x51945447",
  erc1271: "0x1626ba7e",
  erc721Receiver: "0x150b7a02",
};
const IS_VALID_SIGNER = "0x523e3260";

/** The ERC-6551 v0.3 account address, computed here from the spec, not from the contracts. */
function specAccountAddress(
  registry: string,
  implementation: string,
  salt: string,
  chainId: bigint,
  tokenContract: string,
  tokenId: bigint,
): string {
  const initCode = ethers.concat([
    "0x3d60ad80600a3d3981f3363d3d373d3d3d363d73",
    implementation,
    "0x5af43d82803e903d91602b57fd5bf3",
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint256", "address", "uint256"],
      [salt, chainId, tokenContract, tokenId],
    ),
  ]);
  return ethers.getCreate2Address(registry, salt, ethers.keccak256(initCode));
}

async function accountsFixture() {
  const base = await projectFixture();
  const registry = ERC6551Registry__factory.connect(
    (await deployments.get(DEPLOYMENTS.accountRegistry)).address,
    base.deployer,
  );
  const implementation = (await deployments.get(DEPLOYMENTS.deviceAccount)).address;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return { ...base, registry, implementation, chainId };
}

type AccountsFixture = Awaited<ReturnType<typeof accountsFixture>>;

/** Registers a device owned by the device owner; returns its id and its account client. */
async function registerDevice(f: AccountsFixture) {
  const client = deviceClient(f);
  await client.register({
    owner: f.deviceOwner.address,
    projectId: f.projectId,
    deadline: await deadlineIn(),
  });
  const account = DeviceAccount__factory.connect(
    await f.deviceRegistry.accountOf(client.deviceId),
    f.deployer,
  );
  return { client, deviceId: client.deviceId, account };
}

describe("Token-bound accounts (ERC-6551)", function () {
  describe("ERC6551Registry", function () {
    it("deploys an account at the address the spec gives, once, with the ERC-6551 code", async function () {
      const f = await accountsFixture();
      const tokenContract = await f.deviceRegistry.getAddress();
      const expected = specAccountAddress(
        await f.registry.getAddress(),
        f.implementation,
        ZERO_SALT,
        f.chainId,
        tokenContract,
        42n,
      );
      expect(await f.registry.account(f.implementation, ZERO_SALT, f.chainId, tokenContract, 42n)).to.equal(
        expected,
      );
      expect(await ethers.provider.getCode(expected)).to.equal("0x");
      await expect(f.registry.createAccount(f.implementation, ZERO_SALT, f.chainId, tokenContract, 42n))
        .to.emit(f.registry, "ERC6551AccountCreated")
        .withArgs(expected, f.implementation, ZERO_SALT, f.chainId, tokenContract, 42n);
      const code = await ethers.provider.getCode(expected);
      const footer = ethers.AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "address", "uint256"],
        [ZERO_SALT, f.chainId, tokenContract, 42n],
      );
      expect(code).to.equal(
        ethers
          .concat(["0x363d3d373d3d3d363d73", f.implementation, "0x5af43d82803e903d91602b57fd5bf3", footer])
          .toLowerCase(),
      );
      // A second call returns the same account without deploying or emitting.
      expect(
        await f.registry.createAccount.staticCall(f.implementation, ZERO_SALT, f.chainId, tokenContract, 42n),
      ).to.equal(expected);
      await expect(
        f.registry.createAccount(f.implementation, ZERO_SALT, f.chainId, tokenContract, 42n),
      ).not.to.emit(f.registry, "ERC6551AccountCreated");
      // Salt, chain and token each give another account.
      const others = [
        specAccountAddress(
          await f.registry.getAddress(),
          f.implementation,
          ethers.id("x"),
          f.chainId,
          tokenContract,
          42n,
        ),
        specAccountAddress(
          await f.registry.getAddress(),
          f.implementation,
          ZERO_SALT,
          4690n,
          tokenContract,
          42n,
        ),
        specAccountAddress(
          await f.registry.getAddress(),
          f.implementation,
          ZERO_SALT,
          f.chainId,
          tokenContract,
          43n,
        ),
      ];
      expect(new Set([expected, ...others]).size).to.equal(4);
    });

    it("reverts with AccountCreationFailed when CREATE2 runs out of gas for the code", async function () {
      const f = await accountsFixture();
      const args = [f.implementation, ZERO_SALT, f.chainId, await f.deviceRegistry.getAddress(), 7n] as const;
      const needed = await f.registry.createAccount.estimateGas(...args);
      // Below the estimate, CREATE2 fails first while the 1/64 kept back can still revert.
      let reason = "";
      for (let gas = needed - 1_000n; gas > needed - 30_000n && reason === ""; gas -= 250n) {
        try {
          await f.registry.createAccount.staticCall(...args, { gasLimit: gas });
        } catch (e) {
          const data = (e as { data?: unknown }).data;
          if (typeof data === "string" && data !== "0x")
            reason = f.registry.interface.parseError(data)?.name ?? "";
        }
      }
      expect(reason).to.equal("AccountCreationFailed");
    });
  });

  describe("DeviceAccount", function () {
    it("belongs to whoever owns the ioID: the owner follows the NFT", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      await f.deviceRegistry.createAccount(deviceId);
      expect(await account.token()).to.deep.equal([f.chainId, await f.deviceRegistry.getAddress(), deviceId]);
      expect(await account.owner()).to.equal(f.deviceOwner.address);
      expect(await account.isValidSigner(f.deviceOwner.address, "0x")).to.equal(IS_VALID_SIGNER);
      expect(await account.isValidSigner(f.stranger.address, "0x")).to.equal("0x00000000");

      await f.deviceRegistry
        .connect(f.deviceOwner)
        .transferFrom(f.deviceOwner.address, f.stranger.address, deviceId);
      expect(await account.owner()).to.equal(f.stranger.address);
      expect(await account.isValidSigner(f.stranger.address, "0x")).to.equal(IS_VALID_SIGNER);
      expect(await account.isValidSigner(f.deviceOwner.address, "0x")).to.equal("0x00000000");
      await f.deployer.sendTransaction({ to: account, value: 1000n });
      await expect(account.connect(f.deviceOwner).execute(f.deviceOwner.address, 1n, "0x", 0))
        .to.be.revertedWithCustomError(account, "NotTokenOwner")
        .withArgs(f.deviceOwner.address);
      await expect(
        account.connect(f.stranger).execute(f.relayer.address, 10n, "0x", 0),
      ).to.changeEtherBalances([account, f.relayer], [-10n, 10n]);
    });

    it("executes calls for the owner only, counting state, bubbling the callee's revert", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      await f.deviceRegistry.createAccount(deviceId);
      const token = await new MockERC20__factory(f.deployer).deploy("Reward", "RWD");
      await token.mint(account, 100n);
      const transfer = token.interface.encodeFunctionData("transfer", [f.relayer.address, 40n]);

      for (const caller of [f.stranger, f.operator, f.projectOwner]) {
        await expect(account.connect(caller).execute(token, 0, transfer, 0))
          .to.be.revertedWithCustomError(account, "NotTokenOwner")
          .withArgs(caller.address);
      }
      expect(await account.state()).to.equal(0n);
      await expect(account.connect(f.deviceOwner).execute(token, 0, transfer, 0))
        .to.emit(account, "Executed")
        .withArgs(await token.getAddress(), 0n, transfer, 1n);
      expect(await token.balanceOf(f.relayer.address)).to.equal(40n);
      expect(await account.state()).to.equal(1n);

      for (const operation of [1, 2, 3]) {
        await expect(account.connect(f.deviceOwner).execute(token, 0, transfer, operation))
          .to.be.revertedWithCustomError(account, "UnsupportedOperation")
          .withArgs(operation);
      }
      const tooMuch = token.interface.encodeFunctionData("transfer", [f.relayer.address, 1000n]);
      await expect(
        account.connect(f.deviceOwner).execute(token, 0, tooMuch, 0),
      ).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
      expect(await account.state()).to.equal(1n);
    });

    it("answers ERC-1271 for the owner's signatures only", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      await f.deviceRegistry.createAccount(deviceId);
      const order = "order #1";
      const hash = ethers.hashMessage(order);
      const byOwner = await f.deviceOwner.signMessage(order);
      const byStranger = await f.stranger.signMessage(order);
      expect(await account.isValidSignature(hash, byOwner)).to.equal(INTERFACE_IDS.erc1271);
      expect(await account.isValidSignature(hash, byStranger)).to.equal("0xffffffff");
      await f.deviceRegistry
        .connect(f.deviceOwner)
        .transferFrom(f.deviceOwner.address, f.stranger.address, deviceId);
      expect(await account.isValidSignature(hash, byOwner)).to.equal("0xffffffff");
      expect(await account.isValidSignature(hash, byStranger)).to.equal(INTERFACE_IDS.erc1271);
    });

    it("refuses its own ioID (an ownership cycle) and takes any other", async function () {
      const f = await accountsFixture();
      const first = await registerDevice(f);
      const second = await registerDevice(f);
      await f.deviceRegistry.createAccount(first.deviceId);
      await f.deviceRegistry.createAccount(second.deviceId);
      const registry = f.deviceRegistry.connect(f.deviceOwner);
      await expect(
        registry["safeTransferFrom(address,address,uint256)"](
          f.deviceOwner.address,
          first.account,
          first.deviceId,
        ),
      ).to.be.revertedWithCustomError(first.account, "OwnershipCycle");
      await registry["safeTransferFrom(address,address,uint256)"](
        f.deviceOwner.address,
        first.account,
        second.deviceId,
      );
      expect(await f.deviceRegistry.ownerOf(second.deviceId)).to.equal(await first.account.getAddress());
      // The first device's owner now acts for the second device through the account.
      expect(await second.account.owner()).to.equal(await first.account.getAddress());
    });

    it("declares its interfaces (ERC-165) with the ERC-6551 ids", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      await f.deviceRegistry.createAccount(deviceId);
      for (const id of Object.values(INTERFACE_IDS))
        expect(await account.supportsInterface(id)).to.equal(true);
      expect(await account.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("has no owner for a token of another chain, and the implementation is no account", async function () {
      const f = await accountsFixture();
      const { deviceId } = await registerDevice(f);
      const tokenContract = await f.deviceRegistry.getAddress();
      await f.registry.createAccount(f.implementation, ZERO_SALT, 4690n, tokenContract, deviceId);
      const foreign = DeviceAccount__factory.connect(
        await f.registry.account(f.implementation, ZERO_SALT, 4690n, tokenContract, deviceId),
        f.deviceOwner,
      );
      expect(await foreign.owner()).to.equal(ethers.ZeroAddress);
      expect(await foreign.isValidSigner(f.deviceOwner.address, "0x")).to.equal("0x00000000");
      expect(await foreign.isValidSignature(ethers.ZeroHash, "0x")).to.equal("0xffffffff");
      await expect(foreign.execute(f.deviceOwner.address, 0, "0x", 0)).to.be.revertedWithCustomError(
        foreign,
        "NotTokenOwner",
      );
      const implementation = DeviceAccount__factory.connect(f.implementation, f.deployer);
      await expect(implementation.token()).to.be.revertedWithCustomError(implementation, "NotAnAccount");
    });
  });

  describe("DeviceRegistry accounts", function () {
    it("creates the account at registration when the project asks, and not otherwise", async function () {
      const f = await accountsFixture();
      const plain = await registerDevice(f);
      expect(await ethers.provider.getCode(plain.account)).to.equal("0x");

      await expect(f.deviceRegistry.connect(f.projectOwner).setAccountPolicy(f.projectId, true, false))
        .to.emit(f.deviceRegistry, "AccountPolicyUpdated")
        .withArgs(f.projectId, true, false);
      expect(await f.deviceRegistry.accountPolicy(f.projectId)).to.deep.equal([true, false]);
      const client = deviceClient(f);
      const expected = specAccountAddress(
        await f.registry.getAddress(),
        f.implementation,
        ZERO_SALT,
        f.chainId,
        await f.deviceRegistry.getAddress(),
        client.deviceId,
      );
      const tx = client.register({
        owner: f.deviceOwner.address,
        projectId: f.projectId,
        deadline: await deadlineIn(),
      });
      await expect(tx).to.emit(f.deviceRegistry, "DeviceAccountCreated").withArgs(client.deviceId, expected);
      await expect(tx).to.emit(f.registry, "ERC6551AccountCreated");
      expect(await f.deviceRegistry.accountOf(client.deviceId)).to.equal(expected);
      expect(await ethers.provider.getCode(expected)).to.not.equal("0x");
      expect(await DeviceAccount__factory.connect(expected, f.deployer).owner()).to.equal(
        f.deviceOwner.address,
      );
    });

    it("lets anyone create a device's account later, once", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      await expect(f.deviceRegistry.connect(f.stranger).createAccount(deviceId))
        .to.emit(f.deviceRegistry, "DeviceAccountCreated")
        .withArgs(deviceId, await account.getAddress());
      await expect(f.deviceRegistry.connect(f.stranger).createAccount(deviceId)).not.to.emit(
        f.deviceRegistry,
        "DeviceAccountCreated",
      );
      expect(await account.owner()).to.equal(f.deviceOwner.address);
      const unknown = BigInt(ethers.Wallet.createRandom().address);
      await expect(f.deviceRegistry.createAccount(unknown))
        .to.be.revertedWithCustomError(f.deviceRegistry, "UnknownDevice")
        .withArgs(unknown);
      await expect(f.deviceRegistry.accountOf(unknown))
        .to.be.revertedWithCustomError(f.deviceRegistry, "UnknownDevice")
        .withArgs(unknown);
    });

    it("lets only the project owner set the policy", async function () {
      const f = await accountsFixture();
      for (const caller of [f.operator, f.stranger, f.deviceOwner]) {
        await expect(f.deviceRegistry.connect(caller).setAccountPolicy(f.projectId, true, true))
          .to.be.revertedWithCustomError(f.deviceRegistry, "NotProjectOwner")
          .withArgs(f.projectId, caller.address);
      }
      expect(await f.deviceRegistry.accountPolicy(f.projectId)).to.deep.equal([false, false]);
    });

    it("names the payee: the owner, or the account when the project pays accounts", async function () {
      const f = await accountsFixture();
      const { deviceId, account } = await registerDevice(f);
      const stored = await f.deviceRegistry.deviceOf(deviceId);
      expect(await f.deviceRegistry.payoutOf(deviceId)).to.deep.equal([
        f.projectId,
        stored.index,
        f.deviceOwner.address,
        f.deviceOwner.address,
      ]);
      await f.deviceRegistry.connect(f.projectOwner).setAccountPolicy(f.projectId, false, true);
      expect((await f.deviceRegistry.payoutOf(deviceId)).payee).to.equal(await account.getAddress());
      const unknown = BigInt(ethers.Wallet.createRandom().address);
      await expect(f.deviceRegistry.payoutOf(unknown))
        .to.be.revertedWithCustomError(f.deviceRegistry, "UnknownDevice")
        .withArgs(unknown);
    });

    it("without ERC-6551 configured: no accounts, and a policy asking for them is refused", async function () {
      const f = await accountsFixture();
      const poseidon = await deployments.get(DEPLOYMENTS.poseidonT4);
      const factory = new DeviceRegistry__factory(
        { "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": poseidon.address },
        f.deployer,
      );
      const bare = await factory.deploy(f.projectRegistry, 20, ethers.ZeroAddress, ethers.ZeroAddress);
      expect(await bare.accountRegistry()).to.equal(ethers.ZeroAddress);
      expect(await bare.accountImplementation()).to.equal(ethers.ZeroAddress);
      const client = deviceClient({ ...f, deviceRegistry: bare });
      await client.register({
        owner: f.deviceOwner.address,
        projectId: f.projectId,
        deadline: await deadlineIn(),
      });
      for (const policy of [
        [true, false],
        [false, true],
      ] as const) {
        await expect(
          bare.connect(f.projectOwner).setAccountPolicy(f.projectId, ...policy),
        ).to.be.revertedWithCustomError(bare, "AccountsUnavailable");
      }
      await expect(bare.connect(f.projectOwner).setAccountPolicy(f.projectId, false, false))
        .to.emit(bare, "AccountPolicyUpdated")
        .withArgs(f.projectId, false, false);
      await expect(bare.createAccount(client.deviceId)).to.be.revertedWithCustomError(
        bare,
        "AccountsUnavailable",
      );
      await expect(bare.accountOf(client.deviceId)).to.be.revertedWithCustomError(
        bare,
        "AccountsUnavailable",
      );
      expect((await bare.payoutOf(client.deviceId)).payee).to.equal(f.deviceOwner.address);
    });

    it("refuses a half-configured, codeless or misaddressing ERC-6551 setup at deployment", async function () {
      const f = await accountsFixture();
      const poseidon = await deployments.get(DEPLOYMENTS.poseidonT4);
      const factory = new DeviceRegistry__factory(
        { "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": poseidon.address },
        f.deployer,
      );
      const registry = await f.registry.getAddress();
      const wrong = await (await new MisaddressingERC6551Registry__factory(f.deployer).deploy()).getAddress();
      const eoa = f.stranger.address;
      for (const [reg, impl] of [
        [registry, ethers.ZeroAddress],
        [ethers.ZeroAddress, f.implementation],
        [registry, eoa],
        [eoa, f.implementation],
        [wrong, f.implementation],
      ]) {
        await expect(factory.deploy(f.projectRegistry, 20, reg, impl))
          .to.be.revertedWithCustomError(factory, "InvalidAccountSetup")
          .withArgs(reg, impl);
      }
    });
  });

  describe("rewards to accounts", function () {
    it("pays claims to the device's account, which only the ioID owner can spend", async function () {
      const f = await rewardsFixture(3);
      await f.scenario.fund(BUDGET);
      await f.deviceRegistry.connect(f.projectOwner).setAccountPolicy(f.projectId, false, true);
      await f.scenario.settle([
        { device: 0, units: [5n] },
        { device: 1, units: [2n] },
        { device: 2, units: [1n] },
      ]);
      const accountOf = async (i: number) =>
        DeviceAccount__factory.connect(
          await f.deviceRegistry.accountOf(f.scenario.devices[i].deviceId),
          f.deviceOwner,
        );
      const first = await accountOf(0);
      // Counterfactual: the account receives before it is deployed.
      expect(await ethers.provider.getCode(first)).to.equal("0x");
      await expect(f.scenario.claim(0))
        .to.emit(f.rewards, "RewardClaimed")
        .withArgs(
          f.projectId,
          f.scenario.devices[0].deviceId,
          await first.getAddress(),
          5n * RATE,
          5n * RATE,
        );
      expect(await f.rewardToken.balanceOf(first)).to.equal(5n * RATE);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(0n);

      // claimMany: one transfer per account.
      const args = claimManyArgs(f.scenario.tree, [f.scenario.devices[1], f.scenario.devices[2]]);
      await f.rewards.claimMany(f.projectId, args.deviceIds, args.leaves, args.proof);
      expect(await f.rewardToken.balanceOf(await accountOf(1))).to.equal(2n * RATE);
      expect(await f.rewardToken.balanceOf(await accountOf(2))).to.equal(1n * RATE);

      // Deploy the account and spend: the ioID owner only.
      await f.deviceRegistry.createAccount(f.scenario.devices[0].deviceId);
      const sweep = f.rewardToken.interface.encodeFunctionData("transfer", [
        f.deviceOwner.address,
        5n * RATE,
      ]);
      await expect(
        first.connect(f.stranger).execute(f.rewardToken, 0, sweep, 0),
      ).to.be.revertedWithCustomError(first, "NotTokenOwner");
      await first.execute(f.rewardToken, 0, sweep, 0);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(5n * RATE);
    });
  });
});
