/** Test constants: no magic numbers in test bodies. */
export const ONE_HOUR = 3600n;
export const SAMPLE_CONFIG_URI = "ipfs://bafybeigdyrztprojectconfig";
export const SAMPLE_CONFIG_HASH = "0x" + "ab".repeat(32);
export const SAMPLE_DID_URI = "ipfs://bafybeigdyrztdiddocument";
export const PROJECT_NAME = "Weather Mesh";

/** Settlement settings used where a test needs non-default ones. */
export const SAMPLE_SETTINGS = {
  circuitId: "0x" + "11".repeat(32),
  proofSystem: 0,
  minInterval: 60,
  maxUnits: 1_000n,
  proverFee: 10n ** 16n,
  rewardRate: 10n ** 15n,
};

/** Admission modes as in IProjectRegistry.Admission. */
export const Admission = { Open: 0, OperatorApproval: 1 } as const;
/** Device status as in IDeviceRegistry.DeviceStatus. */
export const DeviceStatus = { None: 0, Active: 1, Revoked: 2 } as const;
