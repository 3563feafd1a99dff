/**
 * Everything that would reach a node, pulled out of the recorded Command inputs: cloud-init
 * user-data, the scripts, and the files those embed (kubeadm configs, the PSA config, kube-vip).
 * Secrets in them are the offline mocks' placeholders.
 */
import { parse } from "yaml";
import { decodeRootScript, extractEmbeddedFiles } from "../../components/vm-node";
import { RecordedResource } from "../offline/record";

/** A file to write under the plan's output directory. */
export interface Artifact {
    /** Relative path: `<stack>/<resource>/...`. */
    path: string;
    content: string;
}

const COMMAND_TYPES = new Set(["command:local:Command", "command:remote:Command"]);

function filesOf(dir: string, script: string): Artifact[] {
    return extractEmbeddedFiles(script).map((f) => ({ path: `${dir}/files${f.path}`, content: f.content }));
}

function scriptArtifacts(dir: string, role: string, script: string): Artifact[] {
    return [{ path: `${dir}/${role}.sh`, content: script }, ...filesOf(dir, script)];
}

/** The artifacts of one stack's resources (inputs with secrets revealed). */
export function collectArtifacts(stack: string, resources: RecordedResource[]): Artifact[] {
    const artifacts: Artifact[] = [];
    for (const r of resources) {
        if (!COMMAND_TYPES.has(r.type)) {
            continue;
        }
        const dir = `${stack}/${r.name}`;
        const { create, delete: del, stdin } = r.inputs as Record<string, string | undefined>;
        if (typeof stdin === "string" && stdin.startsWith("#cloud-config")) {
            artifacts.push({ path: `${dir}/user-data.yaml`, content: stdin });
            const doc = parse(stdin) as { write_files?: Array<{ path: string; content: string }> };
            for (const f of doc.write_files ?? []) {
                artifacts.push({ path: `${dir}/files${f.path}`, content: f.content }, ...filesOf(dir, f.content));
            }
        } else if (typeof stdin === "string") {
            artifacts.push(...scriptArtifacts(dir, "create", stdin));
        }
        // Local commands carry their script inline; remote ones pipe stdin to `sudo bash -s`.
        if (typeof create === "string" && create.startsWith("#!")) {
            artifacts.push(...scriptArtifacts(dir, "create", create));
        }
        const deleteScript = typeof del === "string" ? (del.startsWith("#!") ? del : decodeRootScript(del)) : undefined;
        if (deleteScript) {
            artifacts.push(...scriptArtifacts(dir, "delete", deleteScript));
        }
    }
    return artifacts.sort((a, b) => a.path.localeCompare(b.path));
}
