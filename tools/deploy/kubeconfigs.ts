/**
 * `npm run kubeconfigs`: one kubeconfig per stack from its secret `kubeconfig` output, and one
 * merged file with a context per cluster. Files are 0600 in a 0700, git-ignored folder; what is
 * printed names files and contexts, never their content.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { StackWorkspace } from "./workspace";

/** The git-ignored folder the kubeconfigs go to (seed 001 §17.1 keeps them in `kubeconfigs/`). */
export const KUBECONFIG_DIR = "kubeconfigs";

/** The merged file, with one context per cluster. */
export const MERGED_KUBECONFIG = "platform.yaml";

type Obj = Record<string, unknown>;

/** A kubeconfig reduced to one cluster, one user and one context, all named after the cluster. */
export interface NamedKubeconfig {
    name: string;
    cluster: Obj;
    user: Obj;
}

/**
 * The current context's cluster and user out of a kubeconfig (kubeadm's admin.conf names the user
 * `kubernetes-admin` in every cluster, so entries are renamed before merging). Errors never quote
 * the content: it holds the client key.
 */
export function namedKubeconfig(name: string, text: string): NamedKubeconfig {
    const bad = (why: string) => new Error(`the kubeconfig output of ${name} ${why}; re-read it with \`pulumi up -s ${name}\``);
    let doc: Obj;
    try {
        doc = parse(text) as Obj;
    } catch {
        throw bad("is not YAML");
    }
    const entry = (list: string, entryName: unknown) => ((doc?.[list] as Obj[] | undefined) ?? []).find((e) => e.name === entryName);
    const context = entry("contexts", doc?.["current-context"])?.context as Obj | undefined;
    const cluster = entry("clusters", context?.cluster)?.cluster as Obj | undefined;
    const user = entry("users", context?.user)?.user as Obj | undefined;
    if (!cluster || !user) {
        throw bad("has no current context with a cluster and a user");
    }
    return { name, cluster, user };
}

/** A kubeconfig file with a context per entry; the first is the current one. */
export function renderKubeconfig(entries: NamedKubeconfig[]): string {
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: entries.map((e) => ({ name: e.name, cluster: e.cluster })),
        users: entries.map((e) => ({ name: `${e.name}-admin`, user: e.user })),
        contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: `${e.name}-admin` } })),
        "current-context": entries[0].name,
    });
}

/** Writes a file readable by its owner only, replacing any older copy whatever its mode. */
export function writePrivateFile(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.dirname(file), 0o700);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, file);
}

/** What was written. */
export interface KubeconfigExport {
    files: Array<{ stack: string; file: string; context: string }>;
    /** The merged file, when any stack had a kubeconfig. */
    merged?: string;
    /** Stacks without a kubeconfig output, and why. */
    missing: Array<{ stack: string; why: string }>;
}

/** Reads each stack's outputs and writes the files under `dir`. */
export async function exportKubeconfigs(stacks: string[], workspace: Pick<StackWorkspace, "exists" | "outputs">, dir: string): Promise<KubeconfigExport> {
    const result: KubeconfigExport = { files: [], missing: [] };
    const entries: NamedKubeconfig[] = [];
    for (const stack of stacks) {
        if (!(await workspace.exists(stack))) {
            result.missing.push({ stack, why: "not deployed" });
            continue;
        }
        const outputs = await workspace.outputs(stack);
        const kubeconfig = outputs.kubeconfig?.value;
        if (typeof kubeconfig !== "string") {
            result.missing.push({ stack, why: "no kubeconfig output yet (its last deploy did not get that far)" });
            continue;
        }
        const clusterName = outputs.clusterName?.value;
        const entry = namedKubeconfig(typeof clusterName === "string" ? clusterName : stack, kubeconfig);
        const file = path.join(dir, `${stack}.yaml`);
        writePrivateFile(file, renderKubeconfig([entry]));
        entries.push(entry);
        result.files.push({ stack, file, context: entry.name });
    }
    if (entries.length > 0) {
        result.merged = path.join(dir, MERGED_KUBECONFIG);
        writePrivateFile(result.merged, renderKubeconfig(entries));
    }
    return result;
}

/** What the command prints: files, contexts and the export line. */
export function renderExport(exported: KubeconfigExport, cwd: string): string[] {
    const rel = (f: string) => path.relative(cwd, f) || f;
    return [
        ...exported.files.map((f) => `kubeconfig ${f.stack}: ${rel(f.file)} (context ${f.context})`),
        ...exported.missing.map((m) => `kubeconfig ${m.stack}: none, ${m.why}`),
        ...(exported.merged ? [`all clusters, one context each: export KUBECONFIG=${exported.merged}`] : []),
    ];
}
