/**
 * The dapp package (`npm run build:package`): built against a local `hardhat node`'s
 * deployment, packed, installed from the tarball into a fresh project with ethers and
 * TypeScript, type-checked under `strict`, and run: an example that connects by network
 * name, reads a project and a device, and prints what it read — compared with the chain.
 */
import { expect } from "chai";
import { execFile, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { JsonRpcProvider } from "ethers";

import { buildPackage } from "../../scripts/build-package";
import { DeviceClient, generateIdentity } from "../../src/device";
import { DeviceRegistry__factory, ProjectRegistry__factory } from "../../typechain-types";
import { LOCAL_RPC, localDeployment, startHardhat, stopAll } from "../helpers/processes";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");

const EXAMPLE = `import { JsonRpcProvider } from "ethers";
import { connect, deployments, deviceAccount, type DePINKit, type IDeviceRegistry } from "@depin-kit/contracts";
import input from "./input.json";

async function main(): Promise<void> {
  const kit: DePINKit = connect("localhost", new JsonRpcProvider(input.rpc));
  const byChainId = connect(31337, new JsonRpcProvider(input.rpc));
  const project = await kit.projectRegistry.project(BigInt(input.projectId));
  const device: IDeviceRegistry.DeviceStructOutput = await byChainId.deviceRegistry.deviceOf(BigInt(input.deviceId));
  const owner: string = await kit.deviceRegistry.ownerOf(BigInt(input.deviceId));
  const account = await deviceAccount(kit, BigInt(input.deviceId));
  console.log(
    JSON.stringify({
      network: kit.network,
      chainId: kit.chainId,
      known: Object.keys(deployments),
      projectRegistry: await kit.projectRegistry.getAddress(),
      project: { name: project.name, owner: project.owner, configURI: project.configURI },
      device: { projectId: device.projectId.toString(), index: device.index.toString(), owner },
      account: { address: await account.getAddress(), owner: await account.owner() },
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

describe("dapp package (@depin-kit/contracts)", function () {
  this.timeout(600_000);
  const children: ChildProcess[] = [];
  after(() => stopAll(children));

  it("installs from its tarball into a fresh project, type-checks, and reads a project and a device", async function () {
    children.push(
      await startHardhat(["node", "--port", "8545"], /Started HTTP and WebSocket JSON-RPC server/, {
        STATE_DEPTH: "4",
      }),
    );
    const provider = new JsonRpcProvider(LOCAL_RPC, undefined, { cacheTimeout: -1 });
    const [owner, relayer, deviceOwner] = await Promise.all([1, 3, 4].map((i) => provider.getSigner(i)));
    const projects = ProjectRegistry__factory.connect(localDeployment("ProjectRegistry"), owner);
    await (await projects.register("Package Mesh", "ipfs://package", "0x" + "00".repeat(32))).wait();
    const projectId = await projects.projectCount();
    const registry = DeviceRegistry__factory.connect(localDeployment("DeviceRegistry"), relayer);
    const client = new DeviceClient(generateIdentity(), registry);
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp) + 600n;
    await client.register({ owner: await deviceOwner.getAddress(), projectId, deadline });
    await (await registry.createAccount(client.deviceId)).wait();

    const tarball = await buildPackage({ networks: ["localhost"] });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "depin-package-"));
    const ethersVersion = JSON.parse(
      await fs.readFile(path.join(ROOT, "node_modules/ethers/package.json"), "utf8"),
    ).version;
    const tsVersion = JSON.parse(
      await fs.readFile(path.join(ROOT, "node_modules/typescript/package.json"), "utf8"),
    ).version;
    await fs.writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "dapp", private: true }));
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        tarball,
        `ethers@${ethersVersion}`,
        `typescript@${tsVersion}`,
      ],
      { cwd: dir, timeout: 300_000 },
    );
    await fs.writeFile(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2020",
          module: "commonjs",
          moduleResolution: "node",
          strict: true,
          esModuleInterop: true,
          resolveJsonModule: true,
          outDir: "out",
          types: ["node"],
        },
        files: ["example.ts"],
      }),
    );
    await fs.writeFile(
      path.join(dir, "input.json"),
      JSON.stringify({
        rpc: LOCAL_RPC,
        projectId: projectId.toString(),
        deviceId: client.deviceId.toString(),
      }),
    );
    await fs.writeFile(path.join(dir, "example.ts"), EXAMPLE);
    const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", dir], { cwd: dir });

    // A type error in a dapp is caught by the package's types.
    await fs.writeFile(
      path.join(dir, "bad.ts"),
      EXAMPLE.replace("const owner: string", "const owner: number"),
    );
    await fs.writeFile(
      path.join(dir, "tsconfig.bad.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, files: ["bad.ts"] }),
    );
    const bad = await run(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.bad.json")], {
      cwd: dir,
    }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    expect(bad).to.include("bad.ts").and.include("not assignable");

    const { stdout } = await run(process.execPath, [path.join(dir, "out", "example.js")], { cwd: dir });
    const read = JSON.parse(stdout);
    const device = await registry.deviceOf(client.deviceId);
    const project = await projects.project(projectId);
    expect(read).to.deep.equal({
      network: "localhost",
      chainId: 31337,
      known: ["localhost"],
      projectRegistry: localDeployment("ProjectRegistry"),
      project: { name: "Package Mesh", owner: project.owner, configURI: "ipfs://package" },
      device: {
        projectId: projectId.toString(),
        index: device.index.toString(),
        owner: await deviceOwner.getAddress(),
      },
      // The ioID's token-bound account (created in the set-up), owned by the ioID's owner.
      account: { address: await registry.accountOf(client.deviceId), owner: await deviceOwner.getAddress() },
    });
  });
});
