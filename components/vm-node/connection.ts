/**
 * How the platform reaches a node to run a root script on it. A Multipass VM is reached with
 * `multipass exec <vm>` from the machine that runs Pulumi, by name, so a changed DHCP address or
 * a VM that is already gone does not strand a step; an existing host is reached over SSH.
 */

/** A Multipass VM on the machine that runs Pulumi. */
export interface MultipassConnection {
    kind: "multipass";
    /** The VM's name (`multipass list`). */
    vm: string;
}

/** An existing host reached over SSH. */
export interface SshConnection {
    kind: "ssh";
    /** IPv4 address. */
    host: string;
    /** SSH user with passwordless sudo. */
    user: string;
    /** OpenSSH private key (a secret). */
    privateKey: string;
}

/** How later steps reach a node. */
export type NodeConnection = MultipassConnection | SshConnection;
