/**
 * VmNode: one machine ready for kubeadm, either a Multipass VM launched here or an existing host
 * reached over SSH. Either way it ends bootstrapped and reachable over SSH, so every later step
 * (kubeadm init/join, reading the kubeconfig) is the same remote command for both backends.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodePool, SshHost } from "../../config/model";
import { renderBootstrapScript, renderCloudInit } from "./bootstrap";
import { multipassEnv, parseMultipassIp, renderDeleteScript, renderLaunchScript } from "./multipass";

export { renderBootstrapScript, renderCloudInit } from "./bootstrap";
export { embedFile, extractEmbeddedFiles, NodeFile, renderNodeScript, shellQuote } from "./script";

/** How later commands reach the node. */
export interface NodeConnection {
    /** IPv4 address. */
    host: string;
    /** SSH user with passwordless sudo. */
    user: string;
    /** OpenSSH private key (a secret). */
    privateKey: string;
}

/** Arguments of a VmNode. */
export interface VmNodeArgs {
    /** Kubernetes version whose packages the bootstrap installs, e.g. "v1.35.9". */
    kubernetesVersion: string;
    /** Size of the VM (Multipass only). */
    pool: NodePool;
    /** Multipass image alias, e.g. "24.04". Exclusive with `sshHost`. */
    multipassImage?: string;
    /** Existing host to bootstrap over SSH. Exclusive with `multipassImage`. */
    sshHost?: SshHost;
    /** Private key for SSH: the stack's generated key for Multipass, the user's key for SSH hosts. */
    sshPrivateKey: pulumi.Input<string>;
    /** Public half of `sshPrivateKey`, installed into Multipass VMs by cloud-init. */
    sshPublicKey?: pulumi.Input<string>;
}

/** Throws unless exactly one backend is chosen and its inputs are present. */
export function validateVmNodeArgs(name: string, args: VmNodeArgs): void {
    if ((args.multipassImage === undefined) === (args.sshHost === undefined)) {
        throw new Error(`VmNode ${name}: multipassImage and sshHost are mutually exclusive; set exactly one`);
    }
    if (args.multipassImage !== undefined && args.sshPublicKey === undefined) {
        throw new Error(`VmNode ${name}: a Multipass VM needs sshPublicKey so remote commands can log in`);
    }
}

/** A bootstrapped node. */
export class VmNode extends pulumi.ComponentResource {
    /** Node name (VM name for Multipass). */
    public readonly nodeName: string;
    /** Node IPv4 address. */
    public readonly ip: pulumi.Output<string>;
    /** SSH connection for later commands; the private key inside is secret. */
    public readonly connection: pulumi.Output<NodeConnection>;

    constructor(name: string, args: VmNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:infra:VmNode", name, {}, opts);
        validateVmNodeArgs(name, args);
        this.nodeName = args.sshHost?.name ?? name;
        const bootstrapScript = renderBootstrapScript(args.kubernetesVersion);

        let user: string;
        if (args.sshHost) {
            const host = args.sshHost;
            user = host.user;
            this.ip = pulumi.output(host.address);
            new command.remote.Command(
                `${name}-bootstrap`,
                {
                    connection: { host: host.address, user, privateKey: args.sshPrivateKey, dialErrorLimit: 20 },
                    create: "sudo bash -s",
                    stdin: bootstrapScript,
                },
                { parent: this },
            );
        } else {
            user = "ubuntu"; // Multipass's default user, which ssh_authorized_keys applies to
            const launch = new command.local.Command(
                `${name}-launch`,
                {
                    create: renderLaunchScript(),
                    delete: renderDeleteScript(),
                    interpreter: ["/bin/bash", "-c"],
                    environment: { ...multipassEnv({ name, image: args.multipassImage as string, ...args.pool }) },
                    stdin: pulumi.output(args.sshPublicKey as pulumi.Input<string>).apply((key) => renderCloudInit({ bootstrapScript, sshAuthorizedKey: key })),
                },
                // cloud-init only runs at first boot: a changed template must not silently rebuild a
                // live node. Rebuild on purpose with `pulumi up --replace <urn>`.
                { parent: this, ignoreChanges: ["stdin"] },
            );
            this.ip = launch.stdout.apply((out) => parseMultipassIp(out, name));
        }
        this.connection = pulumi.secret(
            pulumi.all([this.ip, args.sshPrivateKey]).apply(([host, privateKey]) => ({ host, user, privateKey })),
        );
        this.registerOutputs({ nodeName: this.nodeName, ip: this.ip, connection: this.connection });
    }
}

/** Arguments of `nodeCommand`. */
export interface NodeCommandArgs {
    /** The node to run on. */
    connection: pulumi.Input<NodeConnection>;
    /** Script run as root on create (fed on stdin). */
    script: pulumi.Input<string>;
    /** Script run as root on destroy; it sees the inputs stored at create time. */
    deleteScript?: string;
    /** The script or its output carries secrets: no logging, stdout/stderr stored as secrets. */
    secret?: boolean;
    /** Re-run (replace) when any of these change. */
    triggers?: pulumi.Input<unknown>[];
}

/** A root script on a node over SSH: the one way components act on nodes. */
export function nodeCommand(name: string, args: NodeCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const connection = pulumi.output(args.connection).apply((c) => ({ host: c.host, user: c.user, privateKey: c.privateKey, dialErrorLimit: 20 }));
    return new command.remote.Command(
        name,
        {
            connection,
            create: "sudo bash -s",
            stdin: args.secret ? pulumi.secret(args.script) : args.script,
            delete: args.deleteScript && encodeRootScript(args.deleteScript),
            triggers: args.triggers,
            logging: args.secret ? "none" : undefined,
        },
        args.secret ? { ...opts, additionalSecretOutputs: ["stdout", "stderr"] } : opts,
    );
}

const ENCODED_SCRIPT = /^echo ([A-Za-z0-9+/=]+) \| base64 -d \| sudo bash -s$/;

/** A command line that runs `script` as root. Delete gets no stdin of its own, so the script
 * travels base64-encoded, free of any quoting. */
export function encodeRootScript(script: string): string {
    return `echo ${Buffer.from(script).toString("base64")} | base64 -d | sudo bash -s`;
}

/** The script inside an `encodeRootScript` command line, or undefined for any other command. */
export function decodeRootScript(commandLine: string): string | undefined {
    const match = ENCODED_SCRIPT.exec(commandLine);
    return match ? Buffer.from(match[1], "base64").toString("utf8") : undefined;
}
