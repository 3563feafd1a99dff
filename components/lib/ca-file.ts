/**
 * Terraform-bridged providers (vault, keycloak) take a CA certificate only as a file path. The
 * program writes the PEM it holds (a stack output, public) to a file named by its digest, on
 * every run and on every machine that runs it, so a preview in a merge request works where no
 * earlier `up` ran.
 */
import { createHash } from "crypto";
import { mkdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as pulumi from "@pulumi/pulumi";

/** Writes `pem` to `<tmpdir>/platform-ca/<sha256>.pem` (once per content) and returns the path. */
export function writeCaFile(pem: string): string {
    const dir = join(tmpdir(), "platform-ca");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${createHash("sha256").update(pem).digest("hex")}.pem`);
    writeFileSync(file, pem, { mode: 0o644 });
    return file;
}

/** The path of a file holding `pem`, for a provider's `caCertFile`-style argument. */
export function caCertFile(pem: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.output(pem).apply(writeCaFile);
}
