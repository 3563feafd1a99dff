/**
 * Everything that would reach a node, from what the program registered: the file and script
 * records components publish under `nodeSteps` (components/vm-node/node-command.ts), and the raw
 * script inputs of the other Commands (cloud-init user-data and its files, local scripts). Nothing
 * is parsed back out of a rendered script. Secrets in them are the offline mocks' placeholders.
 */
import { parse } from "yaml";
import { NODE_STEPS_OUTPUT, NodeOperation, NodeStepRecord } from "../../components/vm-node/node-command";
import { renderNodeScript } from "../../components/vm-node/script";
import { RecordedResource, unwrapSecrets } from "../offline/record";

/** A file to write under the plan's output directory. */
export interface Artifact {
    /** Relative path: `<stack>/<resource>/...`. */
    path: string;
    content: string;
}

const COMMAND_TYPES = new Set(["command:local:Command", "command:remote:Command"]);
const OPERATIONS: readonly NodeOperation[] = ["create", "update", "delete"];

/** The step records of one component, when it published them and they are known (not in a first preview). */
function stepRecords(resource: RecordedResource): NodeStepRecord[] {
    const published = unwrapSecrets(resource.outputs?.[NODE_STEPS_OUTPUT], "reveal");
    if (typeof published !== "object" || published === null) {
        return [];
    }
    return Object.keys(published)
        .sort()
        .map((id) => (published as Record<string, NodeStepRecord>)[id])
        .filter((r) => typeof r === "object" && r !== null && Array.isArray(r.files));
}

/** A step's files under `files/`, and each of its scripts as a standalone script `<operation>.sh`. */
function stepArtifacts(stack: string, record: NodeStepRecord): Artifact[] {
    const dir = `${stack}/${record.resource}`;
    const files = record.files.map((f) => ({ path: `${dir}/files${f.path}`, content: f.content }));
    const scripts = OPERATIONS.filter((op) => typeof record.scripts[op] === "string").map((op) => ({
        path: `${dir}/${op}.sh`,
        content: renderNodeScript(`${record.resource}: ${op}, on ${record.node}`, [record.scripts[op] as string]),
    }));
    return [...files, ...scripts];
}

/** What a Command's own inputs send: user-data and its files, stdin, and scripts given inline. */
function commandArtifacts(stack: string, r: RecordedResource, recorded: boolean): Artifact[] {
    const dir = `${stack}/${r.name}`;
    const inputs = r.inputs as Record<string, unknown>;
    const artifacts: Artifact[] = [];
    const stdin = inputs.stdin;
    if (typeof stdin === "string" && stdin.startsWith("#cloud-config")) {
        artifacts.push({ path: `${dir}/user-data.yaml`, content: stdin });
        const doc = parse(stdin) as { write_files?: Array<{ path: string; content: string }> };
        artifacts.push(...(doc.write_files ?? []).map((f) => ({ path: `${dir}/files${f.path}`, content: f.content })));
    } else if (typeof stdin === "string" && stdin.startsWith("#!")) {
        artifacts.push({ path: `${dir}/stdin.sh`, content: stdin });
    } else if (typeof stdin === "string" && Array.isArray(inputs.interpreter) && inputs.interpreter[0] === "node") {
        // The config guard runs its stdin with `node -`.
        artifacts.push({ path: `${dir}/stdin.js`, content: stdin });
    }
    // A recorded step's scripts are its own artifacts; its command lines only name the operation.
    if (!recorded) {
        for (const op of OPERATIONS) {
            const script = inputs[op];
            if (typeof script === "string" && script.startsWith("#!")) {
                artifacts.push({ path: `${dir}/${op}.sh`, content: script });
            }
        }
    }
    return artifacts;
}

/** The artifacts of one stack's resources (inputs with secrets revealed), sorted by path. */
export function collectArtifacts(stack: string, resources: RecordedResource[]): Artifact[] {
    const records = resources.flatMap(stepRecords);
    const recorded = new Set(records.map((r) => r.resource));
    const artifacts = [
        ...records.flatMap((record) => stepArtifacts(stack, record)),
        ...resources.filter((r) => COMMAND_TYPES.has(r.type)).flatMap((r) => commandArtifacts(stack, r, recorded.has(r.name))),
    ];
    return artifacts.sort((a, b) => a.path.localeCompare(b.path));
}
