/**
 * Claims against the RewardDistributor from a replayed state tree: a device's rewards
 * (units, accrued, paid, claimable), the calldata of `claim` and of `claimMany` (with a
 * multiproof), and the EIP-712 authorization an ioID owner signs for a relayed claim.
 */
import type { Signer, TypedDataDomain } from "ethers";

import type { DeviceRegistry, RewardDistributor } from "../../typechain-types";
import type { IRewardDistributor } from "../../typechain-types/contracts/incentives/RewardDistributor";
import { UserError } from "../errors";
import type { LeafData, StateTree } from "../trees/state-tree";
import { buildMultiproof } from "./multiproof";

export type LeafStruct = IRewardDistributor.LeafStruct;

export function leafStruct(leaf: LeafData): LeafStruct {
  return {
    keyHash: leaf.keyHash,
    cumulativeUnits: leaf.cumulativeUnits,
    lastTimestamp: leaf.lastTimestamp,
    accruedReward: leaf.accruedReward,
  };
}

export interface ClaimDevice {
  deviceId: bigint;
  index: number;
}

/** `claim`'s leaf and path for the device at `index`. */
export function claimArgs(tree: StateTree, index: number): { leaf: LeafStruct; siblings: bigint[] } {
  return { leaf: leafStruct(tree.leaf(index)), siblings: tree.siblings(index) };
}

/** `claimMany`'s arguments: devices sorted by index, their leaves, one multiproof. */
export function claimManyArgs(
  tree: StateTree,
  devices: ClaimDevice[],
): { deviceIds: bigint[]; leaves: LeafStruct[]; proof: bigint[] } {
  const sorted = [...devices].sort((a, b) => a.index - b.index);
  // Devices of one project only: the caller groups them (indices are per project).
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].index === sorted[i - 1].index)
      throw new UserError(`device index ${sorted[i].index} given twice`);
  }
  return {
    deviceIds: sorted.map((d) => d.deviceId),
    leaves: sorted.map((d) => leafStruct(tree.leaf(d.index))),
    proof: buildMultiproof(
      tree,
      sorted.map((d) => d.index),
    ),
  };
}

export interface DeviceRewards {
  deviceId: bigint;
  projectId: bigint;
  index: number;
  owner: string;
  units: bigint;
  accrued: bigint;
  paid: bigint;
  claimable: bigint;
}

/** A device's rewards as of the tree (the project's current root, once replayed). */
export async function deviceRewards(
  rewards: RewardDistributor,
  deviceRegistry: DeviceRegistry,
  tree: StateTree,
  deviceId: bigint,
): Promise<DeviceRewards> {
  const [device, owner, paid] = await Promise.all([
    deviceRegistry.deviceOf(deviceId),
    deviceRegistry.ownerOf(deviceId),
    rewards.paidOf(deviceId),
  ]);
  const index = Number(device.index);
  const leaf = tree.leaf(index);
  return {
    deviceId,
    projectId: device.projectId,
    index,
    owner,
    units: leaf.cumulativeUnits,
    accrued: leaf.accruedReward,
    paid,
    claimable: leaf.accruedReward > paid ? leaf.accruedReward - paid : 0n,
  };
}

export interface ClaimAuthorization {
  deviceId: bigint;
  recipient: string;
  /** The least the relayed claim must pay (the relayer chooses the root). */
  minAmount: bigint;
  nonce: bigint;
  deadline: bigint;
}

export const CLAIM_AUTHORIZATION_TYPES = {
  ClaimAuthorization: [
    { name: "deviceId", type: "uint256" },
    { name: "recipient", type: "address" },
    { name: "minAmount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export async function rewardsDomain(rewards: RewardDistributor): Promise<TypedDataDomain> {
  const provider = rewards.runner?.provider;
  if (!provider) throw new Error("the RewardDistributor client needs a provider");
  return {
    name: "DePIN Kit RewardDistributor",
    version: "1",
    chainId: (await provider.getNetwork()).chainId,
    verifyingContract: await rewards.getAddress(),
  };
}

/** The ioID owner's signature naming `recipient` for a relayed claim of `deviceId`. */
export async function signClaimAuthorization(
  rewards: RewardDistributor,
  owner: Signer,
  deviceId: bigint,
  recipient: string,
  deadline: bigint,
  minAmount = 0n,
): Promise<{ authorization: ClaimAuthorization; signature: string }> {
  const nonce = await rewards.nonces(await owner.getAddress());
  const authorization = { deviceId, recipient, minAmount, nonce, deadline };
  const signature = await owner.signTypedData(
    await rewardsDomain(rewards),
    CLAIM_AUTHORIZATION_TYPES,
    authorization,
  );
  return { authorization, signature };
}
