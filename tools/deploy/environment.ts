/** Where the state lives and how its secrets are encrypted, from the environment. */
import * as path from "path";

/** The git-ignored folder of the repository that holds the default local file backend. */
export const LOCAL_STATE_DIR = ".pulumi-state";

/** A prerequisite: passed, or what is wrong and how to fix it. */
export interface Check {
    level: "ok" | "warn" | "fail";
    /** What was checked and what was found. */
    what: string;
    /** How to fix it (warn and fail only). */
    fix?: string;
}

/** `PULUMI_BACKEND_URL` when set, else the local file backend in `<root>/.pulumi-state`. */
export function backendUrl(env: NodeJS.ProcessEnv, root: string): string {
    return env.PULUMI_BACKEND_URL || `file://${path.join(root, LOCAL_STATE_DIR)}`;
}

/** The folder of a file backend URL, or undefined for any other backend. */
export function fileBackendDir(url: string): string | undefined {
    return url.startsWith("file://") ? url.slice("file://".length) : undefined;
}

/**
 * The passphrase check. Pulumi Cloud (https) encrypts secrets itself; every other backend (file,
 * s3, gs, azblob) defaults to the passphrase secrets provider, which reads
 * PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (pulumi.com docs, "Secrets: passphrase").
 * An empty passphrase counts as none: it leaves the secrets readable by anyone with the state.
 */
export function passphraseCheck(env: NodeJS.ProcessEnv, backend: string, fileExists: (file: string) => boolean): Check {
    if (/^https?:\/\//.test(backend)) {
        return { level: "ok", what: `secrets: encrypted by the backend ${backend}` };
    }
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (file) {
        return fileExists(file)
            ? { level: "ok", what: `secrets: passphrase from PULUMI_CONFIG_PASSPHRASE_FILE (${file})` }
            : {
                  level: "fail",
                  what: `PULUMI_CONFIG_PASSPHRASE_FILE names ${file}, which does not exist`,
                  fix: "point it at the file that holds your passphrase",
              };
    }
    if (env.PULUMI_CONFIG_PASSPHRASE) {
        return { level: "ok", what: "secrets: passphrase from PULUMI_CONFIG_PASSPHRASE" };
    }
    return {
        level: "fail",
        what: "no passphrase: neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set",
        fix:
            "choose a long passphrase of your own and `export PULUMI_CONFIG_PASSPHRASE='...'` (or put it in a file and " +
            "`export PULUMI_CONFIG_PASSPHRASE_FILE=<file>`). It encrypts the kubeconfigs, keys and tokens in the state: keep it in your " +
            "password manager, because without it the state cannot be read. This tool never makes one up",
    };
}
