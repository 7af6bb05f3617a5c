import { task, types } from "hardhat/config";

// Plain constants only: typechain-dependent modules load lazily inside the actions.
import { DEFAULT_SIGNATURE_TTL_SECONDS } from "../src/constants";
import { kitAction, parseAddressArg, parseIntegerArg } from "./lib/action";

async function deadlineOf(
  args: { deadline?: string; ttl: number },
  provider: import("ethers").Provider,
): Promise<bigint> {
  const { defaultDeadline } = await import("../src/device/registry");
  if (args.deadline !== undefined) return parseIntegerArg("deadline", args.deadline);
  return defaultDeadline(provider, args.ttl);
}

async function deviceIdArg(args: { device?: string; identity?: string }): Promise<bigint> {
  const { UserError } = await import("../src/errors");
  const { parseDeviceRef, deviceIdOf } = await import("../src/crypto/did");
  const { loadIdentity } = await import("../src/device/identity");
  if (args.device !== undefined) {
    try {
      return deviceIdOf(parseDeviceRef(args.device));
    } catch (err) {
      throw new UserError(`--device: ${(err as Error).message}`);
    }
  }
  if (args.identity !== undefined) return deviceIdOf((await loadIdentity(args.identity)).wallet.address);
  throw new UserError("name the device with --device <id|address|did> or --identity <file>");
}

task("device:keygen", "Creates a device identity file (secp256k1 + BabyJubJub keys)")
  .addParam("out", "Where to write the identity file (mode 0600)")
  .addFlag("force", "Overwrite an existing file")
  .setAction(
    kitAction("device:keygen", async (args: { out: string; force: boolean }) => {
      const { generateIdentity, saveIdentity } = await import("../src/device/identity");
      const { didOf } = await import("../src/crypto/did");
      const identity = generateIdentity();
      await saveIdentity(args.out, identity, { overwrite: args.force });
      console.log(`${didOf(identity.wallet.address)} written to ${args.out}`);
      return { address: identity.wallet.address, did: didOf(identity.wallet.address), file: args.out };
    }),
  );

task("device:register", "Registers a device with its own signature; the signer submits")
  .addParam("identity", "Device identity file")
  .addParam("project", "Project id")
  .addOptionalParam("owner", "Who receives the ioID (default: the signer)")
  .addOptionalParam("didUri", "Where the device's DID document is published", "")
  .addOptionalParam("deadline", "Unix time after which the signature is void")
  .addOptionalParam(
    "ttl",
    "Seconds the signature stays valid (without --deadline)",
    DEFAULT_SIGNATURE_TTL_SECONDS,
    types.int,
  )
  .setAction(
    kitAction("device:register", async (args, hre) => {
      const { loadIdentity } = await import("../src/device/identity");
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { registerDevice } = await import("../src/device/registry");
      const identity = await loadIdentity(args.identity);
      const { kit, signer } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const owner =
        args.owner === undefined ? await signer.getAddress() : await parseAddressArg("owner", args.owner);
      const result = await registerDevice(kit, identity, {
        owner,
        projectId,
        deadline: await deadlineOf(args, hre.ethers.provider),
        didURI: args.didUri,
      });
      console.log(
        `${result.did} registered in project ${projectId} at index ${result.index}, ioID owned by ${owner} ` +
          `(gas ${result.gasUsed}, tx ${result.txHash})`,
      );
      return result;
    }),
  );

task("device:rotate", "Rotates a device's BabyJubJub key (device-signed) and updates its identity file")
  .addParam("identity", "Device identity file")
  .addOptionalParam("deadline", "Unix time after which the signature is void")
  .addOptionalParam(
    "ttl",
    "Seconds the signature stays valid (without --deadline)",
    DEFAULT_SIGNATURE_TTL_SECONDS,
    types.int,
  )
  .setAction(
    kitAction("device:rotate", async (args, hre) => {
      const { promises: fs } = await import("node:fs");
      const { loadIdentity, saveIdentity } = await import("../src/device/identity");
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { rotateDevice } = await import("../src/device/registry");
      const identity = await loadIdentity(args.identity);
      const { kit } = await kitFromHardhat(hre);
      const result = await rotateDevice(kit, identity, await deadlineOf(args, hre.ethers.provider));
      // The chain holds the new key now: write it next to the file, then swap atomically.
      const next = `${args.identity}.next`;
      await saveIdentity(next, result.identity, { overwrite: true });
      await fs.rename(next, args.identity);
      console.log(
        `key of ${identity.wallet.address} rotated (tx ${result.txHash}); ${args.identity} updated`,
      );
      return { txHash: result.txHash, ax: result.identity.babyJub.ax, ay: result.identity.babyJub.ay };
    }),
  );

task("device:revoke", "Revokes a device for good (ioID owner or project operator)")
  .addOptionalParam("device", "Device id, address or did:io DID")
  .addOptionalParam("identity", "Device identity file (instead of --device)")
  .setAction(
    kitAction("device:revoke", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { revokeDevice } = await import("../src/device/registry");
      const deviceId = await deviceIdArg(args);
      const { kit } = await kitFromHardhat(hre);
      const txHash = await revokeDevice(kit, deviceId);
      console.log(`device ${deviceId} revoked (tx ${txHash})`);
      return { deviceId, txHash };
    }),
  );

task("device:show", "Prints what the chain knows of a device")
  .addOptionalParam("device", "Device id, address or did:io DID")
  .addOptionalParam("identity", "Device identity file (instead of --device)")
  .setAction(
    kitAction("device:show", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { describeDevice } = await import("../src/device/registry");
      const deviceId = await deviceIdArg(args);
      const { kit } = await kitFromHardhat(hre);
      const d = await describeDevice(kit, deviceId);
      if (d.status === "none") {
        console.log(`${d.did}: not registered`);
      } else {
        console.log(
          [
            `${d.did} (ioID ${d.deviceId})`,
            `  status    ${d.status}`,
            `  owner     ${d.owner}`,
            `  project   ${d.projectId} index ${d.index}`,
            `  nonce     ${d.nonce}`,
            `  key hash  ${d.keyHash}`,
            `  document  ${d.didURI || "(no URI)"} ${d.didHash}`,
          ].join("\n"),
        );
      }
      return d;
    }),
  );
