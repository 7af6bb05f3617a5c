/**
 * `npm run build:package [-- --networks localhost,iotexTestnet]`: builds the dapp package
 * in packages/contracts and packs it (packages/contracts/depin-kit-contracts-<v>.tgz):
 *   1. ABIs of the kit's contracts from Hardhat's artifacts (`npm run build` first) → abis/
 *   2. typechain (ethers v6) types and factories for those ABIs → src/typechain/
 *   3. the deployment addresses of every network under deployments/ (hardhat-deploy; the
 *      in-process `hardhat` network excluded) → deployments.json
 *   4. tsc → dist/, then `npm pack`.
 * Prints the tarball's path.
 */
import { execFileSync } from "node:child_process";
import { promises as fs, existsSync } from "node:fs";
import * as path from "node:path";
import { glob, runTypeChain } from "typechain";

const ROOT = path.resolve(__dirname, "..");
const PKG = path.join(ROOT, "packages", "contracts");

/** Contract name → artifact path under artifacts/. */
export const PACKAGE_CONTRACTS: Record<string, string> = {
  ProjectRegistry: "contracts/registry/ProjectRegistry.sol/ProjectRegistry.json",
  DeviceRegistry: "contracts/registry/DeviceRegistry.sol/DeviceRegistry.json",
  DeviceAccount: "contracts/accounts/DeviceAccount.sol/DeviceAccount.json",
  ERC6551Registry: "contracts/accounts/ERC6551Registry.sol/ERC6551Registry.json",
  VerifierRegistry: "contracts/verifiers/VerifierRegistry.sol/VerifierRegistry.json",
  ProverPool: "contracts/staking/ProverPool.sol/ProverPool.json",
  BatchManager: "contracts/settlement/BatchManager.sol/BatchManager.json",
  RewardDistributor: "contracts/incentives/RewardDistributor.sol/RewardDistributor.json",
  DePINToken: "contracts/incentives/DePINToken.sol/DePINToken.json",
  IDePINApp: "contracts/interfaces/IDePINApp.sol/IDePINApp.json",
  IBatchVerifier: "contracts/interfaces/IBatchVerifier.sol/IBatchVerifier.json",
  IERC20: "@openzeppelin/contracts/token/ERC20/IERC20.sol/IERC20.json",
};

/** Deployment names the package exports addresses for. */
const DEPLOYMENT_NAMES = [
  "ProjectRegistry",
  "DeviceRegistry",
  "ERC6551Registry",
  "DeviceAccount",
  "VerifierRegistry",
  "ProverPool",
  "BatchManager",
  "RewardDistributor",
  "StakingToken",
  "DePINToken",
];

async function collectDeployments(only?: string[]) {
  const dir = path.join(ROOT, "deployments");
  const out: Record<string, { chainId: number; contracts: Record<string, string> }> = {};
  if (!existsSync(dir)) return out;
  for (const network of (await fs.readdir(dir)).sort()) {
    if (network === "hardhat" || (only && !only.includes(network))) continue;
    const chainIdFile = path.join(dir, network, ".chainId");
    if (!existsSync(chainIdFile)) continue;
    const contracts: Record<string, string> = {};
    for (const name of DEPLOYMENT_NAMES) {
      const file = path.join(dir, network, `${name}.json`);
      if (existsSync(file)) contracts[name] = JSON.parse(await fs.readFile(file, "utf8")).address;
    }
    if (Object.keys(contracts).length === 0) continue;
    out[network] = { chainId: Number((await fs.readFile(chainIdFile, "utf8")).trim()), contracts };
  }
  return out;
}

export async function buildPackage(options: { networks?: string[] } = {}): Promise<string> {
  for (const dir of ["abis", "dist", path.join("src", "typechain")])
    await fs.rm(path.join(PKG, dir), { recursive: true, force: true });
  await fs.mkdir(path.join(PKG, "abis"), { recursive: true });
  for (const [name, artifact] of Object.entries(PACKAGE_CONTRACTS)) {
    const file = path.join(ROOT, "artifacts", artifact);
    if (!existsSync(file)) throw new Error(`missing artifact ${artifact}: run \`npm run build\` first`);
    const { abi } = JSON.parse(await fs.readFile(file, "utf8"));
    await fs.writeFile(path.join(PKG, "abis", `${name}.json`), JSON.stringify(abi, null, 2) + "\n");
  }
  const allFiles = glob(PKG, ["abis/*.json"]);
  await runTypeChain({
    cwd: PKG,
    filesToProcess: allFiles,
    allFiles,
    outDir: path.join("src", "typechain"),
    target: "ethers-v6",
  });
  const deployments = await collectDeployments(options.networks);
  await fs.writeFile(path.join(PKG, "src", "deployments.json"), JSON.stringify(deployments, null, 2) + "\n");
  await fs.writeFile(path.join(PKG, "deployments.json"), JSON.stringify(deployments, null, 2) + "\n");
  const root = JSON.parse(await fs.readFile(path.join(ROOT, "package.json"), "utf8"));
  const pkg = JSON.parse(await fs.readFile(path.join(PKG, "package.json"), "utf8"));
  if (pkg.version !== root.version) {
    pkg.version = root.version;
    await fs.writeFile(path.join(PKG, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  }
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", path.join(PKG, "tsconfig.json")],
    {
      stdio: "inherit",
    },
  );
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", PKG], {
    cwd: PKG,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  return path.join(PKG, packed);
}

if (require.main === module) {
  const i = process.argv.indexOf("--networks");
  const networks = i >= 0 ? process.argv[i + 1].split(",") : undefined;
  buildPackage({ networks })
    .then((tarball) => console.log(`packed ${path.relative(process.cwd(), tarball)}`))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
