/**
 * Deploying to IoTeX: a dry run of the whole suite (`deploy:plan`) and contract
 * verification on IoTeXScan for every deployment (`deploy:verify`).
 *
 * `deploy:plan --network iotexTestnet` forks the target network into Hardhat's in-process
 * chain (hardhat_reset with forking), impersonates the configured deployer and runs the
 * same deploy scripts there with the target's branch (DEPIN_DEPLOY_TARGET), skipping what
 * deployments/<network>/ already holds. Nothing is sent to the network: it reads the chain
 * id, gas price, the deployer's balance and the state the fork needs. The gas comes from
 * the fork's receipts; the cost is gas × the network's gas price (or --gas-price-gwei).
 */
import { task, types } from "hardhat/config";

import { kitAction } from "./lib/action";

interface PlanStep {
  kind: "deploy" | "call";
  name: string;
  address: string;
  gasUsed: string;
}

task(
  "deploy:plan",
  "Dry run of `deploy` on --network: what it would deploy and its gas and cost; sends nothing",
)
  .addOptionalParam("gasPriceGwei", "Gas price in gwei (default: the network's eth_gasPrice)")
  .addOptionalParam("tags", "Deploy tags, comma-separated (default: the whole suite)")
  .setAction(
    kitAction("deploy:plan", async (args, hre) => {
      const { spawn } = await import("node:child_process");
      const { promises: fs } = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const { formatEther, formatUnits, parseUnits } = await import("ethers");
      const { UserError } = await import("../src/errors");
      const { requireSigner } = await import("../src/chain/hardhat");
      if (hre.network.name === "hardhat")
        throw new UserError("pass --network: the network to plan a deployment for (e.g. iotexTestnet)");
      const url = (hre.network.config as { url?: string }).url;
      if (url === undefined) throw new UserError(`network ${hre.network.name} has no RPC URL`);
      const deployer = await (await requireSigner(hre)).getAddress();
      const provider = hre.ethers.provider;
      const { chainId } = await provider.getNetwork();
      const gasPrice =
        args.gasPriceGwei !== undefined
          ? parseUnits(String(args.gasPriceGwei), "gwei")
          : (await provider.getFeeData()).gasPrice;
      if (gasPrice === null) throw new UserError("the network reports no gas price: pass --gas-price-gwei");
      const balance = await provider.getBalance(deployer);
      const nonce = await provider.getTransactionCount(deployer);

      const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "depin-plan-")), "plan.json");
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [require.resolve("hardhat/internal/cli/cli"), "deploy:plan:fork"],
          {
            cwd: hre.config.paths.root,
            env: {
              ...process.env,
              DEPIN_FORK_URL: url,
              DEPIN_DEPLOY_TARGET: hre.network.name,
              DEPIN_FORK_DEPLOYER: deployer,
              DEPIN_PLAN_OUT: out,
              DEPIN_PLAN_TAGS: args.tags ?? "",
              DEPIN_DEPLOYMENTS_DIR: path.join(path.dirname(out), "deployments"),
              DEPIN_TARGET_DEPLOYMENTS: path.join(hre.config.paths.deployments, hre.network.name),
            },
            stdio: ["ignore", "ignore", "inherit"],
          },
        );
        child.on("error", reject);
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new UserError(`the dry run failed (exit ${code})`)),
        );
      });
      const steps: PlanStep[] = JSON.parse(await fs.readFile(out, "utf8")).steps;
      const totalGas = steps.reduce((s, x) => s + BigInt(x.gasUsed), 0n);
      const cost = totalGas * gasPrice;
      const width = Math.max(10, ...steps.map((s) => s.name.length));
      console.log(
        [
          `Dry run on ${hre.network.name} (chain ${chainId}): nothing was sent.`,
          `deployer ${deployer} (nonce ${nonce}, balance ${formatEther(balance)})`,
          "",
          ...steps.map(
            (s) =>
              `  ${s.kind === "deploy" ? "deploy" : "call  "} ${s.name.padEnd(width)} ${s.address}  ${BigInt(s.gasUsed).toLocaleString("en-US").padStart(11)} gas`,
          ),
          "",
          `${steps.filter((s) => s.kind === "deploy").length} contracts, ${steps.length} transactions, ` +
            `${totalGas.toLocaleString("en-US")} gas × ${formatUnits(gasPrice, "gwei")} gwei = ${formatEther(cost)} (native token)`,
          balance >= cost
            ? `the deployer's balance covers it (${formatEther(balance)})`
            : `the deployer's balance ${formatEther(balance)} does NOT cover it: fund ${formatEther(cost - balance)} more`,
        ].join("\n"),
      );
      return {
        network: hre.network.name,
        chainId,
        deployer,
        nonce,
        gasPrice,
        balance,
        totalGas,
        cost,
        steps,
      };
    }),
  );

task(
  "deploy:plan:fork",
  "(used by deploy:plan) runs the deploy scripts on a fork of DEPIN_FORK_URL",
).setAction(async (_args, hre) => {
  const { promises: fs, existsSync } = await import("node:fs");
  const path = await import("node:path");
  const url = process.env.DEPIN_FORK_URL;
  const target = process.env.DEPIN_DEPLOY_TARGET;
  const deployer = process.env.DEPIN_FORK_DEPLOYER;
  const out = process.env.DEPIN_PLAN_OUT;
  if (
    hre.network.name !== "hardhat" ||
    !url ||
    !target ||
    !deployer ||
    !out ||
    !process.env.DEPIN_DEPLOYMENTS_DIR
  )
    throw new Error("deploy:plan:fork is run by deploy:plan (in-process network, DEPIN_FORK_* set)");
  const provider = hre.ethers.provider;
  await provider.send("hardhat_reset", [{ forking: { jsonRpcUrl: url } }]);
  // A first local block: calls at "latest" then run under the configured rules rather than
  // the remote chain's history (which Hardhat may not know).
  await provider.send("hardhat_mine", ["0x1"]);
  await provider.send("hardhat_impersonateAccount", [deployer]);
  await provider.send("hardhat_setBalance", [deployer, "0x" + (10n ** 30n).toString(16)]);
  // What the target already has: the scripts skip it as they would there.
  const existing = process.env.DEPIN_TARGET_DEPLOYMENTS ?? "";
  if (existsSync(existing)) {
    for (const file of await fs.readdir(existing)) {
      if (!file.endsWith(".json")) continue;
      const d = JSON.parse(await fs.readFile(path.join(existing, file), "utf8"));
      await hre.deployments.save(file.slice(0, -5), d);
    }
  }
  const from = await provider.getBlockNumber();
  const tags = (process.env.DEPIN_PLAN_TAGS ?? "").split(",").filter((t) => t !== "");
  await hre.deployments.run(tags.length > 0 ? tags : undefined, {
    resetMemory: false,
    writeDeploymentsToFiles: false,
  });
  const to = await provider.getBlockNumber();
  const all = await hre.deployments.all();
  const byAddress = new Map(
    Object.entries(all).map(([name, d]) => [d.address.toLowerCase(), { name, abi: d.abi }]),
  );
  const steps: PlanStep[] = [];
  for (let n = from + 1; n <= to; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block!.prefetchedTransactions) {
      const receipt = (await provider.getTransactionReceipt(tx.hash))!;
      if (receipt.contractAddress) {
        const d = byAddress.get(receipt.contractAddress.toLowerCase());
        steps.push({
          kind: "deploy",
          name: d?.name ?? "(contract)",
          address: receipt.contractAddress,
          gasUsed: receipt.gasUsed.toString(),
        });
      } else {
        const d = byAddress.get((tx.to ?? "").toLowerCase());
        let fn = tx.data.slice(0, 10);
        if (d) {
          const { Interface } = await import("ethers");
          fn = new Interface(d.abi).getFunction(tx.data.slice(0, 10))?.name ?? fn;
        }
        steps.push({
          kind: "call",
          name: `${d?.name ?? tx.to}.${fn}`,
          address: tx.to ?? "",
          gasUsed: receipt.gasUsed.toString(),
        });
      }
    }
  }
  await fs.writeFile(out, JSON.stringify({ steps }));
});

task("deploy:verify", "Verifies every contract of the network's deployment on its explorer (IoTeXScan)")
  .addFlag("dry", "Only print what would be verified, and where")
  .addOptionalParam("only", "Comma-separated deployment names", undefined, types.string)
  .setAction(
    kitAction("deploy:verify", async (args, hre) => {
      const { UserError } = await import("../src/errors");
      const all = await hre.deployments.all();
      const names = Object.keys(all)
        .filter((n) => args.only === undefined || String(args.only).split(",").includes(n))
        .sort();
      if (names.length === 0) throw new UserError(`no deployments on ${hre.network.name} to verify`);
      const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
      const chain = hre.config.etherscan.customChains.find((c) => c.chainId === chainId);
      if (chain === undefined)
        throw new UserError(
          `no explorer configured for chain ${chainId} (hardhat.config.ts etherscan.customChains)`,
        );
      const planned = names.map((name) => {
        const d = all[name];
        const target = d.metadata ? JSON.parse(d.metadata).settings.compilationTarget : undefined;
        const [source, contract] = target ? Object.entries(target)[0] : [undefined, undefined];
        return {
          name,
          address: d.address,
          contract: source ? `${source}:${contract as string}` : undefined,
          constructorArguments: d.args ?? [],
          libraries: d.libraries ?? {},
          url: `${chain.urls.browserURL}/address/${d.address}`,
        };
      });
      console.log(`${chain.network} (chain ${chainId}): ${chain.urls.apiURL}`);
      for (const p of planned) {
        console.log(`  ${p.name.padEnd(28)} ${p.contract ?? "(no metadata)"}  ${p.url}`);
        if (!args.dry)
          await hre.run("verify:verify", {
            address: p.address,
            contract: p.contract,
            constructorArguments: p.constructorArguments,
            libraries: p.libraries,
          });
      }
      return { network: chain.network, chainId, apiURL: chain.urls.apiURL, planned };
    }),
  );
