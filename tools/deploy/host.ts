/** The real machine, as the prerequisite checks ask it. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { HostProbe, parseMeminfo, parseVmStat } from "./prerequisites";

/** stdout of a command, or undefined when it is missing or fails. */
function output(command: string, args: string[]): Promise<string | undefined> {
    return new Promise((resolve) => {
        execFile(command, args, { timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } }, (error, stdout) =>
            resolve(error ? undefined : stdout),
        );
    });
}

/** Where Multipass keeps its VMs: the snap's folder on Linux, the data volume on macOS. */
function multipassStorage(): string {
    const candidates = os.platform() === "darwin" ? ["/System/Volumes/Data", "/"] : ["/var/snap/multipass/common", "/var/snap", "/"];
    return candidates.find((p) => fs.existsSync(p)) as string;
}

export const hostProbe: HostProbe = {
    pulumiVersion: () => output("pulumi", ["version"]),
    // The client prints its version even when the daemon is down; `multipass list` then fails.
    multipassVersion: () => output("multipass", ["version"]),
    async multipassVms() {
        const list = await output("multipass", ["list", "--format", "json"]);
        return list ? ((JSON.parse(list) as { list?: Array<{ name: string }> }).list ?? []).map((vm) => vm.name) : [];
    },
    async availableMemoryMiB() {
        const parsed = os.platform() === "darwin" ? parseVmStat((await output("vm_stat", [])) ?? "") : parseMeminfo(fs.readFileSync("/proc/meminfo", "utf8"));
        return parsed ?? os.freemem() / 2 ** 20;
    },
    async freeDiskGiB() {
        const stats = fs.statfsSync(multipassStorage());
        return (stats.bavail * stats.bsize) / 2 ** 30;
    },
    fileExists: (file) => fs.existsSync(file),
};
