/**
 * VmNode: one machine ready for kubeadm, either a Multipass VM launched here or an existing host
 * bootstrapped over SSH. Later steps reach it through `connection` (`multipass exec` or SSH) and
 * re-run when `identity` changes, that is, when the machine was built again.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NodeBackend, NodePool, SshHost } from "../../config/model";
import { ownerMarker, renderBootstrapScript, renderCloudInit } from "./bootstrap";
import { NodeConnection } from "./connection";
import { multipassEnv, parseNodeIp, renderDeleteScript, renderLaunchScript, renderUpdateScript } from "./multipass";

export { renderBootstrapScript, renderCloudInit } from "./bootstrap";
export { NodeConnection } from "./connection";
export { embedFile, NodeFile, renderNodeScript, shellQuote } from "./script";

/** Where a node comes from: the config's backend, narrowed to one machine. */
export type VmNodeBackend =
    | (Extract<NodeBackend, { kind: "multipass" }> & {
          /** vCPUs, memory and disk of the VM. */
          pool: NodePool;
          /** The config key of `pool`, e.g. "platform:nodes.workers", named when a resize is refused. */
          poolKey: string;
      })
    | {
          kind: "ssh";
          /** The host, one entry of `backend.hosts`. */
          host: SshHost;
          /** The user's OpenSSH private key (a secret). */
          privateKey: pulumi.Input<string>;
      };

/** Arguments of a VmNode. */
export interface VmNodeArgs {
    /** Kubernetes version whose packages the bootstrap installs, e.g. "v1.35.9". */
    kubernetesVersion: string;
    /** `platform:network.nodeSubnet`: a launched VM's address must be on it. */
    nodeSubnet: string;
    /** Where the machine comes from. */
    backend: VmNodeBackend;
}

/** A bootstrapped node. */
export class VmNode extends pulumi.ComponentResource {
    /** Node name: the VM name, or the SSH host's name. */
    public readonly nodeName: string;
    /** Node IPv4 address. */
    public readonly ip: pulumi.Output<string>;
    /** How later steps reach the node (secret for SSH hosts: it holds the private key). */
    public readonly connection: pulumi.Output<NodeConnection>;
    /**
     * The ID of the resource that built the machine (the launch, or the SSH bootstrap).
     * pulumi-command gives every created Command a fresh ID, so it changes exactly when the machine
     * is built again; steps that must re-run on a rebuilt node trigger on it.
     */
    public readonly identity: pulumi.Output<string>;

    /**
     * `opts.dependsOn` also holds back the machine itself: a component's dependencies do not reach
     * its children by themselves, and the config guard must run before any node is touched.
     */
    constructor(name: string, args: VmNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:infra:VmNode", name, {}, opts);
        const bootstrapScript = renderBootstrapScript(args.kubernetesVersion);
        const childOpts = { parent: this, dependsOn: opts?.dependsOn };
        const backend = args.backend;

        if (backend.kind === "ssh") {
            const { host, privateKey } = backend;
            this.nodeName = host.name;
            const bootstrap = new command.remote.Command(
                `${name}-bootstrap`,
                {
                    connection: { host: host.address, user: host.user, privateKey, dialErrorLimit: 20 },
                    create: "sudo bash -s",
                    stdin: bootstrapScript,
                    // sshd refuses the SetEnv pulumi-command would send (and logs a warning per run).
                    addPreviousOutputInEnv: false,
                },
                // Like cloud-init on a VM, the bootstrap runs when the host is first taken in: a changed
                // script must not reinstall packages under a running kubelet. A new address is another
                // machine, so it is bootstrapped (and joined) as a new one.
                { ...childOpts, ignoreChanges: ["stdin"], replaceOnChanges: ["connection.host"] },
            );
            this.identity = bootstrap.id;
            this.ip = pulumi.output(host.address);
            this.connection = pulumi.secret(
                pulumi
                    .all([bootstrap.id, privateKey])
                    .apply(([, key]): NodeConnection => ({ kind: "ssh", host: host.address, user: host.user, privateKey: key })),
            );
        } else {
            this.nodeName = name;
            const owner = ownerMarker(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`, name);
            const launch = new command.local.Command(
                `${name}-launch`,
                {
                    create: renderLaunchScript(),
                    update: renderUpdateScript(),
                    delete: renderDeleteScript(),
                    interpreter: ["/bin/bash", "-c"],
                    environment: { ...multipassEnv({ name, image: backend.image, owner, poolKey: backend.poolKey, ...backend.pool }) },
                    stdin: renderCloudInit({ bootstrapScript, owner }),
                    addPreviousOutputInEnv: false,
                },
                {
                    ...childOpts,
                    // The create reuses this stack's VM and the delete purges it: a replacement that
                    // created first would adopt the old VM, then delete it.
                    deleteBeforeReplace: true,
                    // cloud-init and the image only act at first boot: a changed template or image must
                    // not report a live VM updated. A rebuild (`pulumi up --replace <urn>`) uses them.
                    ignoreChanges: ["stdin", "environment.VM_IMAGE"],
                },
            );
            this.identity = launch.id;
            this.ip = launch.stdout.apply((out) => {
                try {
                    return parseNodeIp(out, name, args.nodeSubnet);
                } catch (e) {
                    throw new pulumi.ResourceError((e as Error).message, launch);
                }
            });
            this.connection = launch.id.apply((): NodeConnection => ({ kind: "multipass", vm: name }));
        }
        this.registerOutputs({ nodeName: this.nodeName, ip: this.ip, connection: this.connection, identity: this.identity });
    }
}
