/**
 * nodeCommand: the one way components run a root script on a node. A Multipass VM is reached with
 * `multipass exec` from the machine that runs Pulumi (a `command.local.Command`), an SSH host with a
 * `command.remote.Command`; either way the script runs as `sudo bash -s <operation>` with the script on stdin.
 *
 * What pulumi-command v1.2.1 does with a Command (pulumi/pulumi-command provider/pkg/provider/
 * local/commandController.go, remote/commandController.go, common/inputs.go), and so what this relies on:
 * - create runs `create` with the inputs given;
 * - update runs `update`, or `create` again when there is none, with the NEW inputs, stdin included;
 * - delete runs `delete` with the inputs STORED by the last successful create or update, stdin included;
 * - a change to `triggers` replaces the resource (`replaceOnChanges`), any other input change is an update;
 * - unless `addPreviousOutputInEnv` is false, update and delete get the previous stdout/stderr as
 *   PULUMI_COMMAND_STDOUT/STDERR: local environment variables, SSH `Setenv` requests that sshd refuses
 *   with a warning (remote/commandOutputs.go). A previous stdout may be a secret, so never.
 * So the three operations travel in one stdin bundle and the command line only names the operation:
 * delete runs the scripts stored with the state it undoes, and no script ever appears in a command
 * line, which pulumi-command prints in its error messages.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeConnection } from "./connection";
import { NodeFile, shellQuote } from "./script";

/** What a node command can be asked to do; the bundle's argument. */
export type NodeOperation = "create" | "update" | "delete";

const OPERATIONS: readonly NodeOperation[] = ["create", "update", "delete"];

/** Arguments of `nodeCommand`. */
export interface NodeCommandArgs {
    /** The node to run on. */
    connection: pulumi.Input<NodeConnection>;
    /**
     * How the node is reached. Needed only when `connection` is an Output: the resource type
     * (local or remote Command) is chosen when the resource is declared, before any Output resolves.
     */
    kind?: NodeConnection["kind"];
    /** Bash run as root on create (a body or a whole script; it runs inside a function). */
    create: pulumi.Input<string>;
    /** Bash run as root when an input other than the triggers changes; without it pulumi-command runs `create` again. */
    update?: pulumi.Input<string>;
    /** Bash run as root on delete: the copy stored by the last create or update, never a newer one. */
    delete?: pulumi.Input<string>;
    /**
     * The scripts or their output carry secrets (default: true). A secret command logs nothing and
     * stores its stdin, stdout and stderr as secrets.
     */
    secret?: boolean;
    /** Replace the command when any of these change. */
    triggers?: pulumi.Input<unknown>[];
}

/** The Command a node command is. */
export type NodeCommand = command.local.Command | command.remote.Command;

/** The scripts of one node command, resolved. */
export interface NodeScripts {
    create: string;
    update?: string;
    delete?: string;
}

/**
 * The component output (secret) under which a component lists its node commands, step id → record,
 * so the offline plan can show every file and script that reaches a node without reading it back
 * out of a rendered script.
 */
export const NODE_STEPS_OUTPUT = "nodeSteps";

/** One node command as its component records it under `NODE_STEPS_OUTPUT`. */
export interface NodeStepRecord {
    /** The Command's resource name. */
    resource: string;
    /** The node it runs on. */
    node: string;
    /** The files its scripts write. */
    files: NodeFile[];
    /** Its script bodies. */
    scripts: NodeScripts;
    /** Why later changes to its scripts are ignored, when they are. */
    onlyAtCreation?: string;
}

/**
 * The stdin of a node command: each operation a function, the argument picks one. Bash reads a
 * script from stdin one command at a time; a function definition and the final `case` are each one
 * command, read whole before any of it runs, so a child process reading stdin finds nothing left.
 */
export function renderNodeBundle(purpose: string, scripts: NodeScripts): string {
    const ops = OPERATIONS.filter((op) => scripts[op] !== undefined);
    const lines = [
        "#!/bin/bash",
        `# ${purpose}`,
        "# Run as: bash -s <operation>. Each operation is a function; the case at the end calls one.",
        "set -euo pipefail",
        "",
    ];
    for (const op of ops) {
        const body = (scripts[op] as string).trimEnd();
        lines.push(`platform_${op}() {`, body === "" ? ":" : body, "}", "");
    }
    lines.push('case "${1:-}" in');
    for (const op of ops) {
        lines.push(`    ${op}) platform_${op} ;;`);
    }
    lines.push(`    *) echo "usage: bash -s ${ops.join("|")}" >&2; exit 2 ;;`, "esac", "");
    return lines.join("\n");
}

/** The command line that runs `op` of the bundle on stdin over SSH. */
export function remoteCommandLine(op: NodeOperation): string {
    return `sudo bash -s ${op}`;
}

/**
 * The host-side script (run by `bash -c` on the machine running Pulumi) that runs `op` of the bundle
 * on stdin inside a Multipass VM. It asks `multipass list --format json` first, which fails only when
 * the daemon does not answer: then nothing can be known and the operation fails naming the fix. A VM
 * that is not listed (or deleted, awaiting purge) is gone: a delete has nothing left to undo and
 * succeeds; create and update fail. A stopped VM is started first.
 */
export function multipassCommandLine(vm: string, op: NodeOperation): string {
    const gone =
        op === "delete"
            ? ['    echo "VM ${vm} is gone (${state:-not listed}): nothing to undo on it" >&2', "    exit 0"]
            : [
                  '    echo "VM ${vm} does not exist (${state:-not listed by multipass list}); its VmNode creates it: run pulumi up again (pulumi refresh first if it was deleted by hand)" >&2',
                  "    exit 1",
              ];
    return [
        "set -euo pipefail",
        `vm=${shellQuote(vm)}`,
        "if ! listing=$(multipass list --format json </dev/null 2>&1); then",
        '  echo "multipass list failed: ${listing}" >&2',
        '  echo "cannot tell whether VM ${vm} exists: is the Multipass daemon running? Start it (macOS: sudo launchctl kickstart -k system/com.canonical.multipassd; Linux: sudo snap restart multipass), then run pulumi again" >&2',
        "  exit 1",
        "fi",
        "# One line per VM object, whitespace removed; keys are sorted, so only the state follows the name.",
        `state=$(printf '%s' "$listing" | tr -d ' \\t\\r\\n' | tr '{' '\\n' | { grep -F "\\"name\\":\\"\${vm}\\"" || true; } | sed -n 's/.*"state":"\\([^"]*\\)".*/\\1/p')`,
        'case "$state" in',
        '  "" | Deleted)',
        ...gone,
        "    ;;",
        "  Stopped | Suspended)",
        '    multipass start "$vm" </dev/null >&2',
        "    ;;",
        "esac",
        `exec multipass exec "$vm" -- sudo bash -s ${op}`,
        "",
    ].join("\n");
}

function connectionKind(name: string, args: NodeCommandArgs): NodeConnection["kind"] {
    const plain = pulumi.Output.isInstance(args.connection) ? undefined : (args.connection as NodeConnection | Promise<NodeConnection>);
    const kind = args.kind ?? (plain && "kind" in plain ? plain.kind : undefined);
    if (kind === undefined) {
        throw new pulumi.InputPropertiesError({
            message: `nodeCommand ${name}: cannot tell how to reach the node`,
            errors: [
                { propertyPath: "kind", reason: 'connection is an Output; pass kind ("multipass" or "ssh") so the Command type is known when it is declared' },
            ],
        });
    }
    return kind;
}

/** A root script on a node: create, optional update and delete, as one Command. */
export function nodeCommand(name: string, args: NodeCommandArgs, opts: pulumi.CustomResourceOptions): NodeCommand {
    const kind = connectionKind(name, args);
    const secret = args.secret ?? true;
    const bundle = pulumi
        .all([args.create, args.update, args.delete])
        .apply(([create, update, del]) => renderNodeBundle(`${name}: root script of a platform step`, { create, update, delete: del }));
    const present = (op: NodeOperation) => op === "create" || args[op] !== undefined;
    const common = {
        stdin: secret ? pulumi.secret(bundle) : bundle,
        triggers: args.triggers,
        addPreviousOutputInEnv: false,
        logging: secret ? ("none" as const) : undefined,
    };
    const options: pulumi.CustomResourceOptions = secret ? { ...opts, additionalSecretOutputs: ["stdout", "stderr"] } : opts;
    const connection = pulumi.output(args.connection);
    const expect = <K extends NodeConnection["kind"]>(wanted: K) =>
        connection.apply((c) => {
            if (c.kind !== wanted) {
                throw new Error(`nodeCommand ${name}: declared for a ${wanted} node but the connection is ${c.kind}`);
            }
            return c as Extract<NodeConnection, { kind: K }>;
        });
    if (kind === "multipass") {
        const vm = expect("multipass").apply((c) => c.vm);
        const line = (op: NodeOperation) => (present(op) ? vm.apply((v) => multipassCommandLine(v, op)) : undefined);
        return new command.local.Command(
            name,
            { ...common, create: line("create") as pulumi.Output<string>, update: line("update"), delete: line("delete"), interpreter: ["/bin/bash", "-c"] },
            options,
        );
    }
    const line = (op: NodeOperation) => (present(op) ? remoteCommandLine(op) : undefined);
    return new command.remote.Command(
        name,
        {
            ...common,
            // A host that is still booting refuses SSH for a while; 20 dials ride that out.
            connection: expect("ssh").apply((c) => ({ host: c.host, user: c.user, privateKey: c.privateKey, dialErrorLimit: 20 })),
            create: line("create") as string,
            update: line("update"),
            delete: line("delete"),
        },
        options,
    );
}
